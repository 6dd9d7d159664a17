#pragma once
// Every setting of `gureum serve`. Each can come from the built-in default, a TOML config file
// (--config / GUREUM_CONFIG), a GUREUM_* environment variable or a command-line flag, later
// sources overriding earlier ones. docs/configuration.md lists them; config/gureum.example.toml
// shows them.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "gureum/core/error.h"

namespace gureum::daemon {

struct AccountConfig {
  std::string id;                 // 12 digits
  std::string name;               // Default: "account-<id>"
  std::string access_key_id;      // root access key
  std::string secret_access_key;  // root secret
  std::string canonical_user_id;  // Default: derived from the id
  std::string email;              // Default: "<name>@gureum.local"
};

struct Config {
  std::string listen = "127.0.0.1:4566";
  std::filesystem::path data_dir;   // Default: $XDG_DATA_HOME/gureum or ~/.local/share/gureum
  bool ephemeral = false;           // state in a temporary directory, removed at exit
  std::string log_level = "info";   // trace, debug, info, warn, error, off
  std::string log_format = "text";  // text or json
  bool access_log = true;
  std::string region = "us-east-1";
  size_t io_threads = 0;                     // Default: the number of cores
  size_t worker_threads = 0;                 // Default: 16
  std::string durability = "relaxed";        // relaxed or strict (fsync on commit)
  bool s3_encryption_at_rest = false;        // SSE-S3 objects stored encrypted (master key)
  std::filesystem::path s3_master_key_file;  // Default: <data_dir>/s3/master.key, created once
  int64_t max_clock_skew = 900;              // seconds
  uint64_t max_request_body = 16ull << 20;   // bytes, for bodies that are buffered (not S3 data)
  uint64_t max_header_bytes = 16384;
  int64_t header_timeout = 20;  // seconds
  int64_t idle_timeout = 60;
  int64_t body_timeout = 60;
  int64_t drain_timeout = 10;
  std::string default_access_key = "test";
  std::string default_secret_key = "test";
  std::vector<AccountConfig> accounts;
  std::optional<std::filesystem::path> config_file;
};

// Builds the configuration from defaults, the config file, the environment and `args` (the
// arguments after "serve"). Errors name the offending setting.
Result<Config> LoadConfig(const std::vector<std::string>& args);
// The data directory when none is set.
std::filesystem::path DefaultDataDir();
// Help text for `gureum serve --help`.
std::string ServeHelp();

}  // namespace gureum::daemon
