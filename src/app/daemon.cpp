#include "daemon.h"

#include <spdlog/async.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "campaign_setup.h"
#include "inbound.h"
#include "outbound.h"
#include "sluice/admin/admin_server.h"
#include "sluice/admin/control_api.h"
#include "sluice/admin/queue_api.h"
#include "sluice/metrics/metrics.h"
#include "sluice/metrics/metrics_endpoints.h"
#include "sluice/queue/lmdb_queue_store.h"
#include "sluice/scheduler/queue_runner.h"

namespace sluice::app {
namespace {

namespace asio = boost::asio;

void setup_logging(const std::string& level) {
  // Asynchronous so that a slow terminal or pipe never stalls an I/O thread.
  spdlog::init_thread_pool(65536, 1);
  auto logger = std::make_shared<spdlog::async_logger>(
      "sluice", std::make_shared<spdlog::sinks::stderr_sink_mt>(), spdlog::thread_pool(),
      spdlog::async_overflow_policy::block);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%f%z sluice[%P]: %^%l%$: %v");
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
}

metrics::MetricsOptions metrics_options(const config::Settings& settings, SystemTime now) {
  metrics::MetricsOptions options;
  for (const auto& account : settings.accounts) options.accounts.push_back(account.name);
  options.version = SLUICE_VERSION;
  options.start_time = now;
  return options;
}

// What the metrics server collects at each scrape.
metrics::ScrapeSources scrape_sources(const config::Settings& settings, queue::QueueStore& store,
                                      const Clock& clock, admin::AccountsAccess accounts,
                                      scheduler::QueueRunner& runner) {
  metrics::ScrapeSources sources;
  sources.store = &store;
  sources.clock = &clock;
  sources.map_limit_bytes = settings.queue.map_size_limit;
  for (const auto& account : settings.accounts) {
    sources.configured_rates[account.name] = account.rate.per_second;
  }
  sources.accounts = std::move(accounts.snapshot);
  sources.controls = &runner.controls();
  sources.scheduler_view = [&runner](std::function<void(scheduler::SchedulerView)> done) {
    runner.view(std::move(done));
  };
  sources.campaign_policy.linger = settings.metrics_campaign_linger;
  sources.campaign_policy.limit = settings.metrics_campaign_limit;
  return sources;
}

// Scrapers and load balancers need no token; their frequent requests log at debug.
admin::AdminServerOptions metrics_server_options() {
  admin::AdminServerOptions options;
  options.require_token = false;
  options.log_requests = false;
  options.reply_timeout = std::chrono::seconds(10);
  return options;
}

}  // namespace

int run_daemon(const config::Settings& settings) {
  setup_logging(settings.log_level);
  const unsigned threads =
      settings.io_threads ? settings.io_threads : std::max(1u, std::thread::hardware_concurrency());
  SystemClock clock;
  std::random_device seed_source;
  // Before the io_context: handlers destroyed with it may still report to the metrics.
  metrics::Metrics metrics(metrics_options(settings, clock.now()));

  asio::io_context io(static_cast<int>(threads));
  asio::thread_pool blocking(2);  // file-system work of the Maildir transport

  queue::LmdbOptions queue_options;
  queue_options.directory = settings.queue.directory;
  queue_options.map_size = settings.queue.map_size;
  queue_options.map_size_limit = settings.queue.map_size_limit;
  auto opened = queue::open_lmdb_queue_store(queue_options);
  if (!opened) {
    spdlog::critical("cannot open the queue in {}: {}", settings.queue.directory,
                     opened.error().message);
    spdlog::shutdown();
    return 1;
  }
  std::unique_ptr<queue::QueueStore> store = std::move(*opened);

  auto outbound = Outbound::build(settings, io, blocking.get_executor(), clock, *store,
                                  OutboundObservers{&metrics.connections(), &metrics.resolver()});
  if (!outbound) {
    spdlog::critical("{}", outbound.error().message);
    spdlog::shutdown();
    return 1;
  }

  scheduler::RunnerSettings runner_settings;
  runner_settings.concurrency = settings.queue.delivery_concurrency;
  runner_settings.retry.backoff = {settings.queue.minimal_backoff_time,
                                   settings.queue.maximal_backoff_time};
  runner_settings.retry.maximal_queue_lifetime = settings.queue.maximal_queue_lifetime;
  runner_settings.retry.dead_message_lifetime = settings.queue.dead_message_lifetime;
  runner_settings.myhostname = settings.smtpd.myhostname;
  mail::QueueIdGenerator ids(clock, static_cast<std::uint32_t>(seed_source()));
  std::mt19937_64 jitter(seed_source());
  scheduler::QueueRunner runner(
      io, *store, (*outbound)->router(), ids, clock, runner_settings,
      [&jitter] { return std::uniform_real_distribution<double>(0.0, 1.0)(jitter); });
  auto campaigns = campaign_setup(settings);  // errors were refused by main()
  runner.configure_campaigns(std::move(campaigns.configured), std::move(campaigns.defaults));
  runner.set_events(&metrics.delivery());
  (*outbound)->attach(runner);

  Inbound::Wiring inbound_wiring;
  inbound_wiring.store = store.get();
  inbound_wiring.ids = &ids;
  inbound_wiring.clock = &clock;
  inbound_wiring.events = &metrics.inbound();
  inbound_wiring.on_enqueued = [&runner](const std::string& campaign) { runner.arrived(campaign); };
  auto inbound = Inbound::build(settings.smtpd, io, std::move(inbound_wiring));
  if (!inbound) {
    spdlog::critical("{}", inbound.error().message);
    spdlog::shutdown();
    return 1;
  }
  admin::AdminServer admin_server(io.get_executor(), settings.admin);
  admin::register_queue_api(admin_server.router(), *store, clock, [&runner] { runner.wake(); });
  admin::register_accounts_api(admin_server.router(), (*outbound)->accounts_access(runner));
  admin::register_control_api(admin_server.router(), runner.controls());
  if (auto ok = admin_server.start(); !ok) {
    spdlog::critical("admin API: {}", ok.error().message);
    spdlog::shutdown();
    return 1;
  }

  config::AdminSettings metrics_listener;  // no tokens, no TLS: for scrapers and probes
  metrics_listener.listen = settings.metrics_listen;
  admin::AdminServer metrics_server(io.get_executor(), metrics_listener, metrics_server_options());
  metrics::register_metrics_endpoints(
      metrics_server.router(), metrics,
      scrape_sources(settings, *store, clock, (*outbound)->accounts_access(runner), runner));
  if (auto ok = metrics_server.start(); !ok) {
    spdlog::critical("metrics: {}", ok.error().message);
    spdlog::shutdown();
    return 1;
  }

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int signal) {
    if (ec) return;
    spdlog::info("signal {}: stopping", signal);
    (*inbound)->stop();
    admin_server.stop();
    metrics_server.stop();
    runner.stop();
    (*outbound)->stop();
    // Deliveries under way finish and record their results; then the loop may end.
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          asio::steady_timer pause(co_await asio::this_coro::executor);
          const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
          while (runner.in_flight() > 0 && std::chrono::steady_clock::now() < deadline) {
            pause.expires_after(std::chrono::milliseconds(20));
            co_await pause.async_wait(asio::use_awaitable);
          }
          io.stop();
        },
        asio::detached);
  });

  (*inbound)->start();
  runner.start();
  (*outbound)->start(runner);
  spdlog::info("sluice started: {}, admin {}, metrics {}, queue {}, {} I/O threads",
               (*inbound)->describe(), settings.admin.listen.to_string(),
               settings.metrics_listen.to_string(), settings.queue.directory, threads);

  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : pool) t.join();
  blocking.join();
  store.reset();  // drains pending writes before anything they call back into goes away
  spdlog::info("sluice stopped");
  spdlog::shutdown();
  return 0;
}

}  // namespace sluice::app
