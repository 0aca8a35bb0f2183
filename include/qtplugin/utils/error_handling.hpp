// SPDX-License-Identifier: LGPL-2.1-or-later
//
// qtplugin error handling, as the QtForge API spells it: PluginErrorCode,
// PluginError, and the expected<T, E> / unexpected<E> pair every facade call
// returns.  Header-only; nothing here needs the sandbox library.
//
//     qtplugin::expected<void, qtplugin::PluginError> f()
//     {
//         if (bad)
//             return qtplugin::unexpected(qtplugin::PluginError{
//                     qtplugin::PluginErrorCode::InvalidState, "why"});
//         return {};
//     }
#pragma once

#include <exception>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace qtplugin {

// The numbers are QtForge's and are part of the API.
enum class PluginErrorCode {
    Success = 0,

    FileNotFound = 100,
    InvalidFormat = 101,
    LoadFailed = 102,
    UnloadFailed = 103,
    SymbolNotFound = 104,
    AlreadyLoaded = 105,
    NotLoaded = 106,
    PluginNotFound = 107,

    InitializationFailed = 200,
    ConfigurationError = 201,
    DependencyMissing = 202,
    VersionMismatch = 203,

    ExecutionFailed = 300,
    CommandNotFound = 301,
    InvalidParameters = 302,
    StateError = 303,
    InvalidArgument = 304,
    NotFound = 305,
    ResourceUnavailable = 306,
    AlreadyExists = 307,
    NotImplemented = 308,
    InvalidState = 309,
    InvalidConfiguration = 310,
    DuplicatePlugin = 311,
    CircularDependency = 312,
    OperationCancelled = 313,
    NotSupported = 314,
    IncompatibleVersion = 315,
    SystemError = 316,

    SecurityViolation = 400,
    PermissionDenied = 401,
    SignatureInvalid = 402,
    UntrustedSource = 403,

    OutOfMemory = 500,
    ResourceExhausted = 501,
    NetworkError = 502,
    FileSystemError = 503,
    ThreadingError = 504,
    TimeoutError = 505,

    UnknownError = 999,
};

// The enumerator's name ("InvalidState"); "UnknownError" for a value that is
// not an enumerator.
constexpr const char *error_code_to_string(PluginErrorCode code) noexcept
{
    switch (code) {
    case PluginErrorCode::Success:
        return "Success";
    case PluginErrorCode::FileNotFound:
        return "FileNotFound";
    case PluginErrorCode::InvalidFormat:
        return "InvalidFormat";
    case PluginErrorCode::LoadFailed:
        return "LoadFailed";
    case PluginErrorCode::UnloadFailed:
        return "UnloadFailed";
    case PluginErrorCode::SymbolNotFound:
        return "SymbolNotFound";
    case PluginErrorCode::AlreadyLoaded:
        return "AlreadyLoaded";
    case PluginErrorCode::NotLoaded:
        return "NotLoaded";
    case PluginErrorCode::PluginNotFound:
        return "PluginNotFound";
    case PluginErrorCode::InitializationFailed:
        return "InitializationFailed";
    case PluginErrorCode::ConfigurationError:
        return "ConfigurationError";
    case PluginErrorCode::DependencyMissing:
        return "DependencyMissing";
    case PluginErrorCode::VersionMismatch:
        return "VersionMismatch";
    case PluginErrorCode::ExecutionFailed:
        return "ExecutionFailed";
    case PluginErrorCode::CommandNotFound:
        return "CommandNotFound";
    case PluginErrorCode::InvalidParameters:
        return "InvalidParameters";
    case PluginErrorCode::StateError:
        return "StateError";
    case PluginErrorCode::InvalidArgument:
        return "InvalidArgument";
    case PluginErrorCode::NotFound:
        return "NotFound";
    case PluginErrorCode::ResourceUnavailable:
        return "ResourceUnavailable";
    case PluginErrorCode::AlreadyExists:
        return "AlreadyExists";
    case PluginErrorCode::NotImplemented:
        return "NotImplemented";
    case PluginErrorCode::InvalidState:
        return "InvalidState";
    case PluginErrorCode::InvalidConfiguration:
        return "InvalidConfiguration";
    case PluginErrorCode::DuplicatePlugin:
        return "DuplicatePlugin";
    case PluginErrorCode::CircularDependency:
        return "CircularDependency";
    case PluginErrorCode::OperationCancelled:
        return "OperationCancelled";
    case PluginErrorCode::NotSupported:
        return "NotSupported";
    case PluginErrorCode::IncompatibleVersion:
        return "IncompatibleVersion";
    case PluginErrorCode::SystemError:
        return "SystemError";
    case PluginErrorCode::SecurityViolation:
        return "SecurityViolation";
    case PluginErrorCode::PermissionDenied:
        return "PermissionDenied";
    case PluginErrorCode::SignatureInvalid:
        return "SignatureInvalid";
    case PluginErrorCode::UntrustedSource:
        return "UntrustedSource";
    case PluginErrorCode::OutOfMemory:
        return "OutOfMemory";
    case PluginErrorCode::ResourceExhausted:
        return "ResourceExhausted";
    case PluginErrorCode::NetworkError:
        return "NetworkError";
    case PluginErrorCode::FileSystemError:
        return "FileSystemError";
    case PluginErrorCode::ThreadingError:
        return "ThreadingError";
    case PluginErrorCode::TimeoutError:
        return "TimeoutError";
    case PluginErrorCode::UnknownError:
        return "UnknownError";
    }
    return "UnknownError";
}

// What went wrong: a code, a sentence, and optional details (for errors that
// come from the sandbox library, the offending field or setup step).
struct PluginError
{
    PluginErrorCode code = PluginErrorCode::UnknownError;
    std::string message;
    std::string details;

    PluginError() = default;
    // The message defaults to the code's name.
    explicit PluginError(PluginErrorCode ec)
        : code(ec)
        , message(error_code_to_string(ec))
    { }
    PluginError(PluginErrorCode ec, std::string msg)
        : code(ec)
        , message(std::move(msg))
    { }
    PluginError(PluginErrorCode ec, std::string msg, std::string det)
        : code(ec)
        , message(std::move(msg))
        , details(std::move(det))
    { }

    // "InvalidState (309): Sandbox is already initialized", followed by
    // " [details]" when there are details.
    std::string to_string() const
    {
        std::string s = error_code_to_string(code);
        s += " (" + std::to_string(static_cast<int>(code)) + "): " + message;
        if (!details.empty())
            s += " [" + details + "]";
        return s;
    }

    bool operator==(const PluginError &other) const = default;
};

// Thrown by expected::value() when it holds an error.
template<typename E> class bad_expected_access : public std::exception
{
public:
    explicit bad_expected_access(E e)
        : m_error(std::move(e))
    { }
    const char *what() const noexcept override { return "bad expected access"; }
    const E &error() const &noexcept { return m_error; }
    E &error() &noexcept { return m_error; }

private:
    E m_error;
};

template<typename E> class unexpected
{
public:
    template<typename Err = E>
    requires(
        !std::is_same_v<std::remove_cvref_t<Err>,
            unexpected> && std::is_constructible_v<E, Err>) constexpr explicit unexpected(Err &&e)
        : m_error(std::forward<Err>(e))
    { }

    constexpr const E &error() const &noexcept { return m_error; }
    constexpr E &error() &noexcept { return m_error; }
    constexpr E &&error() &&noexcept { return std::move(m_error); }

private:
    E m_error;
};

// So that qtplugin::unexpected(PluginError{...}) deduces unexpected<PluginError>.
template<typename E> unexpected(E) -> unexpected<E>;

namespace detail {
template<typename T> struct is_unexpected : std::false_type
{
};
template<typename E> struct is_unexpected<unexpected<E>> : std::true_type
{
};
} // namespace detail

template<typename T, typename E> class expected
{
public:
    using value_type = T;
    using error_type = E;

    constexpr expected() requires std::is_default_constructible_v<T>
        : m_data(std::in_place_index<0>)
    { }

    // Implicit from anything T can be built from (so `return value;` works),
    // explicit where T's own constructor is.
    template<typename U = T>
    requires(!std::is_same_v<std::remove_cvref_t<U>,
                 expected> && !detail::is_unexpected<std::remove_cvref_t<U>>::value
        && !std::is_same_v<std::remove_cvref_t<U>,
            std::
                in_place_t> && std::is_constructible_v<T, U>) constexpr explicit(!std::
                                                                                     is_convertible_v<
                                                                                         U, T>)
        expected(U &&v)
        : m_data(std::in_place_index<0>, std::forward<U>(v))
    { }

    template<typename G>
    requires std::is_constructible_v<E, const G &>
    constexpr expected(const unexpected<G> &u)
        : m_data(std::in_place_index<1>, u.error())
    { }

    template<typename G>
    requires std::is_constructible_v<E, G>
    constexpr expected(unexpected<G> &&u)
        : m_data(std::in_place_index<1>, std::move(u).error())
    { }

    constexpr bool has_value() const noexcept { return m_data.index() == 0; }
    constexpr explicit operator bool() const noexcept { return has_value(); }

    constexpr T &value() &
    {
        check();
        return std::get<0>(m_data);
    }
    constexpr const T &value() const &
    {
        check();
        return std::get<0>(m_data);
    }
    constexpr T &&value() &&
    {
        check();
        return std::get<0>(std::move(m_data));
    }

    constexpr E &error() & { return std::get<1>(m_data); }
    constexpr const E &error() const & { return std::get<1>(m_data); }
    constexpr E &&error() && { return std::get<1>(std::move(m_data)); }

    constexpr T &operator*() & { return value(); }
    constexpr const T &operator*() const & { return value(); }
    constexpr T &&operator*() && { return std::move(*this).value(); }
    constexpr T *operator->() { return &value(); }
    constexpr const T *operator->() const { return &value(); }

    template<typename U> constexpr T value_or(U &&fallback) const &
    {
        return has_value() ? std::get<0>(m_data) : static_cast<T>(std::forward<U>(fallback));
    }
    template<typename U> constexpr T value_or(U &&fallback) &&
    {
        return has_value() ? std::get<0>(std::move(m_data))
                           : static_cast<T>(std::forward<U>(fallback));
    }

private:
    constexpr void check() const
    {
        if (!has_value())
            throw bad_expected_access<E>(std::get<1>(m_data));
    }

    std::variant<T, E> m_data;
};

// `return {};` is success.
template<typename E> class expected<void, E>
{
public:
    using value_type = void;
    using error_type = E;

    constexpr expected() noexcept = default;

    template<typename G>
    requires std::is_constructible_v<E, const G &>
    constexpr expected(const unexpected<G> &u)
        : m_error(std::in_place_index<1>, u.error())
    { }

    template<typename G>
    requires std::is_constructible_v<E, G>
    constexpr expected(unexpected<G> &&u)
        : m_error(std::in_place_index<1>, std::move(u).error())
    { }

    constexpr bool has_value() const noexcept { return m_error.index() == 0; }
    constexpr explicit operator bool() const noexcept { return has_value(); }

    constexpr void value() const
    {
        if (!has_value())
            throw bad_expected_access<E>(std::get<1>(m_error));
    }
    constexpr void operator*() const noexcept { }

    constexpr E &error() & { return std::get<1>(m_error); }
    constexpr const E &error() const & { return std::get<1>(m_error); }
    constexpr E &&error() && { return std::get<1>(std::move(m_error)); }

private:
    std::variant<std::monostate, E> m_error;
};

template<typename T> using PluginResult = expected<T, PluginError>;

template<typename T> PluginResult<T> make_error(PluginErrorCode code)
{
    return unexpected(PluginError(code));
}

template<typename T> PluginResult<T> make_error(PluginErrorCode code, std::string message)
{
    return unexpected(PluginError(code, std::move(message)));
}

template<typename T>
PluginResult<T> make_error(PluginErrorCode code, std::string message, std::string details)
{
    return unexpected(PluginError(code, std::move(message), std::move(details)));
}

template<typename T> PluginResult<T> make_error(PluginError error)
{
    return unexpected(std::move(error));
}

template<typename T> PluginResult<std::decay_t<T>> make_success(T &&value)
{
    return PluginResult<std::decay_t<T>>(std::forward<T>(value));
}

inline PluginResult<void> make_success()
{
    return {};
}

} // namespace qtplugin
