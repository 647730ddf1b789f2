// The session's half of SMTP AUTH: the lockout check, the slow password check on the blocking
// pool (its result posted back to the session's strand), the failure count and the pause
// before a 535. Passwords are never logged and are wiped once checked.

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "session.h"

namespace sluice::smtpd {

namespace asio = boost::asio;
using Steady = std::chrono::steady_clock;

namespace {

// Runs credentials.verify() on `pool` and completes on the handler's executor (the strand).
template <class Token>
auto async_verify(asio::any_io_executor pool, const Credentials& credentials, std::string user,
                  std::string password, Token&& token) {
  return asio::async_initiate<Token, void(bool)>(
      [pool, &credentials](auto handler, std::string user, std::string password) {
        auto executor = asio::get_associated_executor(handler);
        asio::post(pool, [&credentials, executor, handler = std::move(handler),
                          user = std::move(user), password = std::move(password)]() mutable {
          const bool ok = credentials.verify(user, password);
          OPENSSL_cleanse(password.data(), password.size());
          asio::post(executor, [handler = std::move(handler), ok]() mutable { handler(ok); });
        });
      },
      token, std::move(user), std::move(password));
}

// User names are client text: printable ASCII only in the log.
std::string printable(std::string_view text) {
  std::string out(text.substr(0, 64));
  for (auto& c : out) {
    if (c < ' ' || c > '~') c = '?';
  }
  return out;
}

}  // namespace

asio::awaitable<AuthOutcome> Session::check_credentials(VerifyCredentials& request) {
  AuthOutcome outcome;
  auto report = [this](bool ok) {
    if (context_.events != nullptr) context_.events->auth_attempt(ok);
  };
  auto* limiter = context_.auth_failures;
  if (limiter != nullptr && !limiter->begin(client_.address, Steady::now())) {
    OPENSSL_cleanse(request.password.data(), request.password.size());
    spdlog::warn("[{}]: AUTH refused: too many failed attempts", client_.address);
    outcome.locked_out = true;
    report(false);
    co_return outcome;
  }
  if (context_.credentials != nullptr && context_.blocking) {
    busy_ = true;  // the check is our time, not the client's
    outcome.ok = co_await async_verify(context_.blocking, *context_.credentials, request.user,
                                       std::move(request.password), asio::use_awaitable);
    busy_ = false;
  }
  OPENSSL_cleanse(request.password.data(), request.password.size());
  request.password.clear();
  if (limiter != nullptr) limiter->end(client_.address, outcome.ok, Steady::now());
  report(outcome.ok);
  if (outcome.ok) {
    spdlog::info("[{}]: AUTH ok, sasl_username={}", client_.address, printable(request.user));
    co_return outcome;
  }
  spdlog::warn("[{}]: AUTH failed", client_.address);
  // smtpd_error_sleep_time: a guesser waits before every next try.
  if (context_.error_sleep.count() > 0) {
    busy_ = true;
    asio::steady_timer pause(co_await asio::this_coro::executor);
    pause.expires_after(context_.error_sleep);
    co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
    busy_ = false;
  }
  co_return outcome;
}

}  // namespace sluice::smtpd
