// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Export macro of the QtForgeSandbox library.  The library is built with
// -fvisibility=hidden; only declarations marked QTFORGE_SANDBOX_EXPORT leave it.
#pragma once

#include <QtCore/qglobal.h>

#if defined(QTFORGE_SANDBOX_BUILDING)
#define QTFORGE_SANDBOX_EXPORT Q_DECL_EXPORT
#else
#define QTFORGE_SANDBOX_EXPORT Q_DECL_IMPORT
#endif
