#include "sluice/admin/queue_api.h"

#include <array>
#include <boost/asio/post.hpp>
#include <boost/json/array.hpp>
#include <charconv>
#include <memory>
#include <optional>
#include <set>

#include "sluice/admin/queue_json.h"
#include "sluice/mail/queue_id.h"

namespace sluice::admin {

namespace {

using queue::MessageState;
using queue::QueuedMessage;

// What every queue handler needs; shared by the handlers' closures.
struct QueueApi {
  queue::QueueStore& store;
  const Clock& clock;
  std::function<void()> wake;
};
using Api = std::shared_ptr<const QueueApi>;

Response store_error(const Error& error, const std::string& id) {
  switch (error.code) {
    case ErrorCode::not_found:
      return Response::error(http::status::not_found, "no such message: " + id);
    case ErrorCode::no_space:
      return Response::error(http::status::insufficient_storage, "queue full: " + error.message);
    case ErrorCode::invalid:
      return Response::error(http::status::bad_request, error.message);
    case ErrorCode::failed:
      break;
  }
  return Response::error(http::status::internal_server_error, "queue error: " + error.message);
}

// The {id} parameter if it is a queue id; otherwise answers 400 and returns nullopt.
std::optional<std::string> queue_id(const RequestContext& request, const Reply& reply) {
  const auto& id = request.param("id");
  if (mail::is_valid_queue_id(id)) return id;
  reply(Response::error(http::status::bad_request, "invalid queue id: " + id));
  return std::nullopt;
}

// Which states `state=active,held|dead|all` selects, indexed by MessageState.
std::optional<std::array<bool, 3>> parse_states(std::string_view text) {
  std::array<bool, 3> wanted{};
  while (true) {
    auto comma = text.find(',');
    auto word = text.substr(0, comma);
    if (word == "all") {
      wanted = {true, true, true};
    } else {
      auto index = word == "active" ? 0 : word == "held" ? 1 : word == "dead" ? 2 : -1;
      if (index < 0) return std::nullopt;
      wanted[static_cast<std::size_t>(index)] = true;
    }
    if (comma == std::string_view::npos) return wanted;
    text.remove_prefix(comma + 1);
  }
}

void list(const Api& api, const RequestContext& request, const Reply& reply) {
  std::array<bool, 3> wanted{true, true, false};
  if (const auto* state = request.query_param("state")) {
    auto parsed = parse_states(*state);
    if (!parsed) {
      return reply(Response::error(http::status::bad_request, "invalid state: " + *state));
    }
    wanted = *parsed;
  }
  std::size_t limit = kDefaultListLimit;
  if (const auto* text = request.query_param("limit")) {
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
    if (ec != std::errc{} || end != text->data() + text->size() || limit == 0) {
      return reply(Response::error(http::status::bad_request, "invalid limit: " + *text));
    }
    limit = std::min(limit, kMaxListLimit);
  }
  std::string after;
  if (const auto* text = request.query_param("after"); text && !text->empty()) {
    if (!mail::is_valid_queue_id(*text)) {
      return reply(Response::error(http::status::bad_request, "invalid queue id: " + *text));
    }
    after = *text;
  }

  boost::json::array messages;
  std::string last_id;
  bool more = false;
  auto scanned = api->store.scan(after, [&](const QueuedMessage& message) {
    if (!wanted[static_cast<std::size_t>(message.state)]) return true;
    if (messages.size() == limit) {
      more = true;
      return false;
    }
    messages.push_back(to_json(message));
    last_id = message.id;
    return true;
  });
  if (!scanned) return reply(store_error(scanned.error(), ""));
  auto stats = api->store.stats();
  if (!stats) return reply(store_error(stats.error(), ""));

  boost::json::object body{{"messages", std::move(messages)}, {"stats", to_json(*stats)}};
  body["next_after"] = more ? boost::json::value(last_id) : boost::json::value(nullptr);
  reply(Response::json(std::move(body)));
}

void show(const Api& api, const RequestContext& request, const Reply& reply) {
  auto id = queue_id(request, reply);
  if (!id) return;
  auto message = api->store.find(*id);
  if (!message) return reply(store_error(message.error(), *id));
  reply(Response::json(to_json(*message)));
}

void remove(const Api& api, const RequestContext& request, const Reply& reply) {
  auto id = queue_id(request, reply);
  if (!id) return;
  api->store.modify(
      *id, [](QueuedMessage&) { return queue::Edit::remove; },
      [executor = request.executor, reply, id = *id](Result<void> done) {
        boost::asio::post(executor, [reply, id, done = std::move(done)] {
          if (!done) return reply(store_error(done.error(), id));
          reply(Response::json(boost::json::object{{"id", id}, {"deleted", true}}));
        });
      });
}

// Applies `change` to one message and answers with the message as stored. `change` returns a
// reason to refuse (409, nothing changed) or nullopt. Runs on the store's writer thread.
using Change = std::function<std::optional<std::string>(QueuedMessage&)>;

void change_message(const Api& api, const RequestContext& request, const Reply& reply,
                    Change change, bool wake_after) {
  auto id = queue_id(request, reply);
  if (!id) return;
  struct Outcome {
    std::optional<std::string> refusal;
    QueuedMessage after;
  };
  auto outcome = std::make_shared<Outcome>();
  api->store.modify(
      *id,
      [outcome, change = std::move(change)](QueuedMessage& message) {
        outcome->refusal = change(message);
        outcome->after = message;
        return queue::Edit::keep;
      },
      [api, executor = request.executor, reply, id = *id, outcome, wake_after](Result<void> done) {
        // Handed from the writer thread to the connection's strand.
        boost::asio::post(executor, [api, reply, id, outcome, wake_after, done = std::move(done)] {
          if (!done) return reply(store_error(done.error(), id));
          if (outcome->refusal) {
            return reply(Response::error(http::status::conflict, *outcome->refusal));
          }
          if (wake_after) api->wake();
          reply(Response::json(to_json(outcome->after)));
        });
      });
}

void hold(const Api& api, const RequestContext& request, const Reply& reply) {
  change_message(
      api, request, reply,
      [](QueuedMessage& m) -> std::optional<std::string> {
        if (m.state == MessageState::dead) {
          return "message " + m.id + " is dead; requeue it instead";
        }
        m.state = MessageState::held;
        return std::nullopt;
      },
      false);
}

void release(const Api& api, const RequestContext& request, const Reply& reply) {
  auto now = api->clock.now();
  change_message(
      api, request, reply,
      [now](QueuedMessage& m) -> std::optional<std::string> {
        if (m.state == MessageState::dead) {
          return "message " + m.id + " is dead; requeue it instead";
        }
        m.state = MessageState::active;
        m.next_attempt = now;
        return std::nullopt;
      },
      true);
}

void requeue(const Api& api, const RequestContext& request, const Reply& reply) {
  auto now = api->clock.now();
  change_message(
      api, request, reply,
      [now](QueuedMessage& m) -> std::optional<std::string> {
        if (m.state != MessageState::dead) return "message " + m.id + " is not dead";
        m.state = MessageState::active;
        m.attempts = 0;
        m.next_attempt = now;
        for (auto& r : m.recipients) {
          if (r.state == mail::RecipientState::failed) r.state = mail::RecipientState::pending;
        }
        return std::nullopt;
      },
      true);
}

void flush(const Api& api, const RequestContext& request, const Reply& reply) {
  auto now = api->clock.now();
  // Ids rather than a counter: a retried transaction shows the modifier the same records again.
  auto flushed = std::make_shared<std::set<mail::QueueId>>();  // writer thread, then the strand
  api->store.modify_all(
      [now, flushed](QueuedMessage& m) {
        if (m.state == MessageState::active && m.next_attempt > now) {
          m.next_attempt = now;
          flushed->insert(m.id);
        }
        return queue::Edit::keep;
      },
      [api, executor = request.executor, reply, flushed](Result<void> done) {
        boost::asio::post(executor, [api, reply, flushed, done = std::move(done)] {
          api->wake();  // even after an error: part of the queue may have been flushed
          if (!done) return reply(store_error(done.error(), ""));
          reply(Response::json(boost::json::object{{"flushed", flushed->size()}}));
        });
      });
}

}  // namespace

void register_queue_api(Router& router, queue::QueueStore& store, const Clock& clock,
                        std::function<void()> wake) {
  auto api = std::make_shared<const QueueApi>(QueueApi{store, clock, std::move(wake)});
  auto bind = [api](void (*handler)(const Api&, const RequestContext&, const Reply&)) {
    return [api, handler](RequestContext request, Reply reply) { handler(api, request, reply); };
  };
  router.add(http::verb::get, "/api/queue", bind(list));
  router.add(http::verb::post, "/api/queue/flush", bind(flush));
  router.add(http::verb::get, "/api/queue/{id}", bind(show));
  router.add(http::verb::delete_, "/api/queue/{id}", bind(remove));
  router.add(http::verb::post, "/api/queue/{id}/hold", bind(hold));
  router.add(http::verb::post, "/api/queue/{id}/release", bind(release));
  router.add(http::verb::post, "/api/queue/{id}/requeue", bind(requeue));
}

}  // namespace sluice::admin
