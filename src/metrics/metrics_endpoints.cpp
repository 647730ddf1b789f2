#include "sluice/metrics/metrics_endpoints.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <memory>
#include <mutex>

#include "oldest_message.h"
#include "queue_write_probe.h"

namespace sluice::metrics {

namespace {

namespace http = admin::http;

constexpr const char* kPlainText = "text/plain; charset=utf-8";

// What the routes share; lives as long as the router's handlers.
struct Endpoints {
  Endpoints(Metrics& m, ScrapeSources s)
      : metrics(m),
        sources(std::move(s)),
        probe(std::make_shared<QueueWriteProbe>(*sources.store, *sources.clock,
                                                sources.probe_interval, sources.probe_timeout)) {}

  Metrics& metrics;
  const ScrapeSources sources;
  OldestMessageFinder oldest;
  std::shared_ptr<QueueWriteProbe> probe;
};

// The answers of one request's asynchronous sources. Each source calls arrive() once after
// storing its answer; the handler holds one extra count until it has asked them all, so the
// last arrival, whichever thread it is on, posts `finish` to the connection's strand.
struct Gather : std::enable_shared_from_this<Gather> {
  std::mutex mutex;  // guards everything below
  int pending = 1;
  std::vector<pool::AccountSnapshot> accounts;
  std::vector<scheduler::CampaignView> campaigns;
  std::optional<scheduler::SchedulerView> view;
  std::optional<Result<void>> probe;
  boost::asio::any_io_executor executor;
  std::function<void(Gather&)> finish;  // must not hold the Gather itself

  void expect() {
    std::lock_guard lock(mutex);
    ++pending;
  }
  void arrive() {
    {
      std::lock_guard lock(mutex);
      if (--pending != 0) return;
    }
    boost::asio::post(executor, [self = shared_from_this()] { self->finish(*self); });
  }
};

std::string single_line(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  std::replace(text.begin(), text.end(), '\r', ' ');
  return text;
}

Families collect(Endpoints& e, Gather& g) {
  const auto now = e.sources.clock->now();
  Families out;
  if (auto stats = e.sources.store->stats()) {
    QueueFacts facts;
    facts.stats = *stats;
    facts.view = g.view;
    facts.map_limit_bytes = e.sources.map_limit_bytes;
    auto oldest = e.oldest.find(*e.sources.store, *stats);
    facts.oldest_known = oldest.known;
    facts.oldest_arrival = oldest.arrival;
    out = queue_families(facts, now);
  }
  auto accounts = account_families(g.accounts, e.sources.configured_rates);
  out.insert(out.end(), accounts.begin(), accounts.end());
  if (e.sources.controls) {
    auto campaigns =
        campaign_families(select_campaigns(std::move(g.campaigns), now, e.sources.campaign_policy));
    out.insert(out.end(), campaigns.begin(), campaigns.end());
  }
  return out;
}

// Both endpoints need the account snapshots (the scrape for its series, /readyz for "a usable
// account"): one way to ask for them.
void gather_accounts(const Endpoints& e, const std::shared_ptr<Gather>& g) {
  if (!e.sources.accounts) return;
  g->expect();
  e.sources.accounts([g](std::vector<pool::AccountSnapshot> accounts) {
    {
      std::lock_guard lock(g->mutex);
      g->accounts = std::move(accounts);
    }
    g->arrive();
  });
}

void scrape(const std::shared_ptr<Endpoints>& e, const admin::RequestContext& request,
            admin::Reply reply) {
  auto g = std::make_shared<Gather>();
  g->executor = request.executor;
  g->finish = [e, reply](Gather& gathered) {
    reply(admin::Response::plain(e->metrics.expose(collect(*e, gathered)), kExpositionContentType));
  };
  gather_accounts(*e, g);
  if (e->sources.controls) {
    g->expect();
    e->sources.controls->campaigns([g](std::vector<scheduler::CampaignView> campaigns) {
      {
        std::lock_guard lock(g->mutex);
        g->campaigns = std::move(campaigns);
      }
      g->arrive();
    });
  }
  if (e->sources.scheduler_view) {
    g->expect();
    e->sources.scheduler_view([g](scheduler::SchedulerView view) {
      {
        std::lock_guard lock(g->mutex);
        g->view = view;
      }
      g->arrive();
    });
  }
  g->arrive();  // the handler's own count
}

void ready(const std::shared_ptr<Endpoints>& e, const admin::RequestContext& request,
           admin::Reply reply) {
  auto g = std::make_shared<Gather>();
  g->executor = request.executor;
  g->finish = [reply](Gather& gathered) {
    auto reason =
        unready_reason(gathered.probe.value_or(make_error("no answer")), gathered.accounts);
    reply(reason ? admin::Response::plain(*reason + "\n", kPlainText,
                                          http::status::service_unavailable)
                 : admin::Response::plain("ready\n", kPlainText));
  };
  g->expect();
  e->probe->check(request.executor, [g](Result<void> result) {
    {
      std::lock_guard lock(g->mutex);
      g->probe = std::move(result);
    }
    g->arrive();
  });
  gather_accounts(*e, g);
  g->arrive();
}

}  // namespace

std::optional<std::string> unready_reason(const Result<void>& queue_probe,
                                          const std::vector<pool::AccountSnapshot>& accounts) {
  if (!queue_probe) return single_line("queue not writable: " + queue_probe.error().message);
  const bool usable = std::any_of(accounts.begin(), accounts.end(), [](const auto& a) {
    return a.status == pool::AccountStatus::up;
  });
  if (!usable) return std::string("no usable account");
  return std::nullopt;
}

void register_metrics_endpoints(admin::Router& router, Metrics& metrics, ScrapeSources sources) {
  auto e = std::make_shared<Endpoints>(metrics, std::move(sources));
  router.add(http::verb::get, "/metrics", [e](admin::RequestContext request, admin::Reply reply) {
    scrape(e, request, std::move(reply));
  });
  router.add(http::verb::get, "/healthz", [](admin::RequestContext, admin::Reply reply) {
    reply(admin::Response::plain("ok\n", kPlainText));
  });
  router.add(http::verb::get, "/readyz", [e](admin::RequestContext request, admin::Reply reply) {
    ready(e, request, std::move(reply));
  });
}

}  // namespace sluice::metrics
