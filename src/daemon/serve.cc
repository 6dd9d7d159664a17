#include "daemon/serve.h"

#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

#include <spdlog/spdlog.h>

#include "gureum/auth/authenticator.h"
#include "gureum/auth/credential_store.h"
#include "gureum/catalog/catalog.h"
#include "gureum/core/logging.h"
#include "gureum/http/server.h"

#include "auth/accounts.h"
#include "daemon/config.h"
#include "gateway/gateway.h"
#include "iam/service/iam_service.h"
#include "s3/object_store.h"
#include "s3/s3_service.h"
#include "sts/sts_service.h"
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

namespace gureum::daemon {
namespace {

namespace fs = std::filesystem;

int Fatal(const std::string& message) {
  std::fprintf(stderr, "gureum: %s\n", message.c_str());
  ShutdownLogging();
  return 1;
}

// Removes an --ephemeral data directory on every exit path.
struct EphemeralDir {
  fs::path path;
  ~EphemeralDir() {
    if (path.empty()) return;
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

Status SeedAccounts(auth::AccountStore& accounts, const Config& config) {
  GUREUM_RETURN_IF_ERROR(accounts.Migrate());
  GUREUM_RETURN_IF_ERROR(
      accounts.Ensure(auth::Account{std::string(auth::kDefaultAccountId), "", "", ""},
                      auth::RootKey{config.default_access_key, config.default_secret_key}));
  for (const auto& a : config.accounts) {
    GUREUM_RETURN_IF_ERROR(
        accounts.Ensure(auth::Account{a.id, a.name, a.canonical_user_id, a.email},
                        auth::RootKey{a.access_key_id, a.secret_access_key}));
  }
  return Ok();
}

Result<std::pair<std::string, uint16_t>> SplitListen(const std::string& listen) {
  size_t colon = listen.rfind(':');
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty() || host == "localhost") host = "127.0.0.1";
  char* end = nullptr;
  long port = std::strtol(listen.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || port < 0 || port > 65535) {
    return Fail(ErrorCode::InvalidParameterValue, "listen port in '" + listen + "' is invalid");
  }
  return std::pair{host, static_cast<uint16_t>(port)};
}

Result<std::unique_ptr<catalog::Catalog>> OpenCatalog(const Config& config) {
  std::error_code ec;
  fs::create_directories(config.data_dir, ec);
  if (ec) {
    return Fail(ErrorCode::InternalError,
                "cannot create data directory " + config.data_dir.string() + ": " + ec.message());
  }
  catalog::CatalogOptions options;
  options.path = config.data_dir / "catalog.db";
  options.strict_durability = config.durability == "strict";
  auto opened = catalog::Catalog::Open(options);
  if (!opened) return Fail(ErrorCode::InternalError, opened.error());
  return std::move(*opened);
}

}  // namespace

int Serve(const std::vector<std::string>& args) {
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      std::cout << ServeHelp();
      return 0;
    }
  }
  // Signals are taken by one thread with sigwait. They are blocked before any thread exists
  // (the logger starts one), so every thread inherits the mask and none is interrupted.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGUSR1);  // internal: wakes the signal thread at exit
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto config = LoadConfig(args);
  if (!config) return Fatal(config.error().message());
  InitLogging(config->log_level, config->log_format == "json");

  EphemeralDir ephemeral;
  if (config->ephemeral) {
    std::string pattern = (fs::temp_directory_path() / "gureum-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) return Fatal("cannot create a temporary directory");
    config->data_dir = pattern;
    ephemeral.path = pattern;
  }

  auto catalog = OpenCatalog(*config);
  if (!catalog) return Fatal(catalog.error().message());
  auth::AccountStore accounts(**catalog);
  if (auto seeded = SeedAccounts(accounts, *config); !seeded) {
    return Fatal("cannot prepare accounts: " + seeded.error().message());
  }

  Clock clock;
  auto object_store = std::make_unique<s3::ObjectStore>(**catalog, config->data_dir / "s3",
                                                        config->durability == "strict", clock);
  if (auto opened = object_store->Open(); !opened) {
    return Fatal("cannot open the S3 store: " + opened.error().message());
  }

  // The master key is read whenever it exists (objects written under it stay readable after
  // at-rest encryption is turned off) and created only when at-rest encryption is on.
  s3::SseSettings sse;
  sse.at_rest = config->s3_encryption_at_rest;
  std::filesystem::path key_file = config->s3_master_key_file.empty()
                                       ? config->data_dir / "s3" / "master.key"
                                       : config->s3_master_key_file;
  auto master = s3::LoadMasterKey(key_file, sse.at_rest);
  if (!master) return Fatal("cannot load the S3 master key: " + master.error().message());
  sse.master = std::move(*master);

  auth::CredentialStore credentials;
  credentials.AddProvider(accounts.RootKeyProvider());
  auth::Authenticator authenticator(
      credentials, auth::AuthenticatorOptions{std::chrono::seconds(config->max_clock_skew)});

  service::ServiceRegistry registry;
  sts::RegisterSts(registry);
  auto iam_keys = iam::RegisterIam(registry, **catalog, credentials);
  if (!iam_keys) return Fatal("cannot prepare the IAM tables: " + iam_keys.error().message());
  credentials.AddProvider(std::move(*iam_keys));
  s3::RegisterS3(registry, std::make_shared<s3::S3Service>(*object_store, accounts, credentials,
                                                           config->region, std::move(sse)));

  gateway::Metrics metrics;
  gateway::AdminApi admin(kVersion, registry, clock, metrics, credentials);
  gateway::GatewayOptions gateway_options;
  gateway_options.default_region = config->region;
  gateway_options.max_buffered_body = config->max_request_body;
  gateway_options.max_clock_skew = std::chrono::seconds(config->max_clock_skew);
  gateway_options.access_log = config->access_log;
  gateway_options.json_logs = config->log_format == "json";
  gateway::Gateway gateway(gateway_options, registry, authenticator, clock, metrics, admin);

  auto listen = SplitListen(config->listen);
  if (!listen) return Fatal(listen.error().message());
  http::ServerOptions server_options;
  server_options.host = listen->first;
  server_options.port = listen->second;
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  server_options.io_threads = config->io_threads ? config->io_threads : cores;
  server_options.worker_threads = config->worker_threads ? config->worker_threads : 16;
  server_options.quick_threads = std::max(2u, cores);
  server_options.max_header_bytes = config->max_header_bytes;
  server_options.header_timeout = std::chrono::seconds(config->header_timeout);
  server_options.idle_timeout = std::chrono::seconds(config->idle_timeout);
  server_options.body_timeout = std::chrono::seconds(config->body_timeout);
  server_options.write_timeout = std::chrono::seconds(config->body_timeout);
  server_options.drain_timeout = std::chrono::seconds(config->drain_timeout);

  auto server = http::Server::Create(server_options, gateway);
  if (!server) return Fatal(server.error().message());

  std::atomic<bool> exiting{false};
  std::thread signal_thread([&] {
    int shutdowns = 0;
    for (;;) {
      int sig = 0;
      if (sigwait(&signals, &sig) != 0) continue;
      if (exiting.load()) return;
      if (sig == SIGUSR1) continue;
      if (++shutdowns == 1) {
        spdlog::info("{}: shutting down (draining for up to {} s)", strsignal(sig),
                     config->drain_timeout);
        (*server)->Shutdown();
      } else {
        spdlog::warn("second {}: exiting now", strsignal(sig));
        ShutdownLogging();
        std::_Exit(1);
      }
    }
  });

  std::string endpoint =
      "http://" +
      (listen->first.find(':') != std::string::npos ? "[" + listen->first + "]" : listen->first) +
      ":" + std::to_string((*server)->port());
  std::printf("Gureum %s ready at %s (data: %s%s)\n", kVersion, endpoint.c_str(),
              config->data_dir.c_str(), config->ephemeral ? ", ephemeral" : "");
  std::fflush(stdout);
  spdlog::info("listening on {} with {} I/O, {} short-work and {} long-work threads", endpoint,
               server_options.io_threads, server_options.quick_threads,
               server_options.worker_threads);

  // Modules' periodic work (S3 lifecycle) once a minute, on a worker.
  std::mutex ticker_mu;
  std::condition_variable ticker_cv;
  bool ticker_stop = false;
  std::thread ticker([&] {
    std::unique_lock lock(ticker_mu);
    while (!ticker_cv.wait_for(lock, std::chrono::seconds(60), [&] { return ticker_stop; })) {
      (*server)->PostToWorkers([&admin] { admin.RunTicks(); });
    }
  });

  (*server)->Run();
  {
    std::lock_guard lock(ticker_mu);
    ticker_stop = true;
  }
  ticker_cv.notify_one();
  ticker.join();

  exiting.store(true);
  pthread_kill(signal_thread.native_handle(), SIGUSR1);
  signal_thread.join();
  spdlog::info("stopped");
  server->reset();
  object_store.reset();
  catalog->reset();
  ShutdownLogging();
  return 0;
}

int Accounts(const std::vector<std::string>& args) {
  auto usage = [] {
    std::fprintf(stderr,
                 "usage: gureum accounts add --id 123456789012 --access-key-id KEY "
                 "--secret-access-key SECRET [--name NAME] [--email EMAIL] [--data-dir DIR]\n"
                 "       gureum accounts list [--data-dir DIR]\n");
    return 2;
  };
  if (args.empty()) return usage();
  std::string command = args[0];
  std::vector<std::string> serve_args;
  auth::Account account;
  auth::RootKey key;
  for (size_t i = 1; i < args.size(); ++i) {
    auto value = [&]() -> std::string { return i + 1 < args.size() ? args[++i] : std::string(); };
    if (args[i] == "--id")
      account.account_id = value();
    else if (args[i] == "--name")
      account.name = value();
    else if (args[i] == "--email")
      account.email = value();
    else if (args[i] == "--access-key-id")
      key.access_key_id = value();
    else if (args[i] == "--secret-access-key")
      key.secret_access_key = value();
    else if (args[i] == "--data-dir" || args[i] == "--config") {
      serve_args.push_back(args[i]);
      serve_args.push_back(value());
    } else {
      return usage();
    }
  }
  auto config = LoadConfig(serve_args);
  if (!config) return Fatal(config.error().message());
  InitLogging("warn", false);
  auto catalog = OpenCatalog(*config);
  if (!catalog) return Fatal(catalog.error().message());
  auth::AccountStore accounts(**catalog);
  if (auto seeded = SeedAccounts(accounts, *config); !seeded) {
    return Fatal(seeded.error().message());
  }
  if (command == "list") {
    for (const auto& a : accounts.List()) {
      std::printf("%s\t%s\t%s\n", a.account_id.c_str(), a.name.c_str(), a.email.c_str());
    }
    ShutdownLogging();
    return 0;
  }
  if (command != "add") return usage();
  if (key.access_key_id.empty() || key.secret_access_key.empty()) return usage();
  if (auto added = accounts.Add(account, key); !added) return Fatal(added.error().message());
  std::printf("added account %s with root access key %s\n", account.account_id.c_str(),
              key.access_key_id.c_str());
  ShutdownLogging();
  return 0;
}

}  // namespace gureum::daemon
