// The host side of the hostile suite: what a row sets out for the plugin
// to steal or break (a secret file, a victim process, listeners, a leaked
// descriptor, a terminal ...), and the host-side readings the verdicts are
// made of.  Nothing here trusts what the plugin printed.
#pragma once

#include "../live/live_test.h"

#include <QMap>

#include <sys/types.h>

namespace hostile {

// A fresh random token, unique to this row: it appears on the host only
// where the row put it, so finding it anywhere else means it was stolen.
QByteArray token(const char *prefix);

QByteArray readAll(const QString &path, qint64 max = 1 << 20);

// Every process of the sandbox whose main process is @pid (the main
// process first, then its descendants, breadth first), from the host's
// /proc.
QList<pid_t> descendants(pid_t pid);

QByteArray comm(pid_t pid);
// readlink of /proc/PID/ns/KIND ("user:[4026531837]").
QByteArray nsOf(pid_t pid, const char *kind);
// readlink of every /proc/PID/fd/N.
QStringList fdTargets(pid_t pid);

// The host's first non-loopback IPv4 address, or empty.
QString hostIpv4();

struct Listeners
{
    int tcp4 = -1, tcp6 = -1, tcpAny = -1, udp = -1, unixStream = -1, unixDgram = -1, abstract = -1,
        fifo = -1;
    QString tcp4Port, tcp6Port, tcpAnyPort, udpPort, unixPath, dgramPath, abstractName, fifoPath,
        hostIp;

    void open(const QString &dir, const QByteArray &tag);
    void close();
    // What reached each one since open(): "tcp4", "udp", ... with the bytes.
    QMap<QString, QByteArray> reached() const;
};

// Everything one row sets out.  The tree holds:
//   <secret name>     the secret file, 0644, atime set two days back
//   <hidden name>     a file whose name no attack is told
//   drop/             the writable allowed directory (0777)
//   tools/            helper programs, allowed with drop (0755)
//   outside/          world-writable, outside the allowed directories:
//                     target.txt (0666), the victim's binary (0777), the
//                     host's sockets and FIFO
class Bait
{
public:
    explicit Bait(const QString &helpers);
    ~Bait();

    QString path(const QString &name = {}) const { return m_tree.path(name); }
    QString secret, hidden, drop, tools, outside, target, victimExe;
    QByteArray fileToken, hiddenName, victimEnvToken, victimMemToken, envToken, shmToken, runToken;
    pid_t victim = 0;
    quintptr victimAddr = 0;
    int leakFd = -1, leakDirFd = -1;
    int shmId = -1;
    key_t ipcKey = 0;
    QByteArray mqName;
    Listeners listeners;
    struct timespec secretAtime
    {
    };

    // key=value arguments describing all of it to the plugin.
    QStringList args() const;

    // The tokens of this row and where a plugin could have put them.
    QMap<QByteArray, QByteArray> tokens() const; // token -> its name
    QStringList leakedTokens(const QByteArray &out, const QByteArray &err) const;

    bool victimAlive() const;
    QByteArray victimState() const; // "S (sleeping)", TracerPid
    QByteArray victimMemory() const; // what is at victimAddr now, or empty

    // New files in outside/ and drop/ whose names start with "pwned",
    // and anything new beside the secret.
    QStringList marks() const;

private:
    void startVictim(const QString &helpers);
    live::Tree m_tree;
    QByteArray m_targetContent;
    QStringList m_outsideBefore, m_rootBefore;
};

// Host state a plugin must not change, read before and after each row.
QMap<QString, QByteArray> snapshot();
QStringList snapshotDiff(
    const QMap<QString, QByteArray> &before, const QMap<QString, QByteArray> &after);

} // namespace hostile
