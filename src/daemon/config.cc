#include "daemon/config.h"

#include <cstdlib>
#include <functional>
#include <sstream>

#include <toml++/toml.h>

#include "gureum/core/encoding.h"

namespace gureum::daemon {
namespace {

struct Setting {
  const char* key;  // config file key; flag is --key with '_' -> '-'; env is GUREUM_KEY
  const char* help;
  bool boolean;
  std::function<Status(Config&, const std::string&)> set;
};

AwsError Bad(const std::string& key, const std::string& value, const std::string& why) {
  return AwsError(ErrorCode::InvalidParameterValue, "setting " + key + "='" + value + "': " + why);
}

std::optional<int64_t> ParseInt(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (end != text.c_str() + text.size()) return std::nullopt;
  return v;
}

// "16777216", "16MiB", "16M", "512KiB"...
std::optional<uint64_t> ParseSize(const std::string& text) {
  size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  if (i == 0) return std::nullopt;
  uint64_t v = std::strtoull(text.substr(0, i).c_str(), nullptr, 10);
  std::string unit = ToLower(Trim(std::string_view(text).substr(i)));
  if (unit.empty() || unit == "b") return v;
  if (unit == "k" || unit == "kb" || unit == "kib") return v << 10;
  if (unit == "m" || unit == "mb" || unit == "mib") return v << 20;
  if (unit == "g" || unit == "gb" || unit == "gib") return v << 30;
  return std::nullopt;
}

std::optional<bool> ParseBool(const std::string& text) {
  std::string t = ToLower(text);
  if (t == "1" || t == "true" || t == "yes" || t == "on") return true;
  if (t == "0" || t == "false" || t == "no" || t == "off") return false;
  return std::nullopt;
}

template <class T>
std::function<Status(Config&, const std::string&)> IntSetting(const char* key, T Config::*field,
                                                              int64_t min) {
  return [key, field, min](Config& c, const std::string& v) -> Status {
    auto n = ParseInt(v);
    if (!n || *n < min) return Fail(Bad(key, v, "expected an integer >= " + std::to_string(min)));
    c.*field = static_cast<T>(*n);
    return Ok();
  };
}

std::function<Status(Config&, const std::string&)> StringSetting(
    std::string Config::*field, std::vector<std::string> allowed = {}, const char* key = "") {
  return [field, allowed, key](Config& c, const std::string& v) -> Status {
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      return Fail(Bad(key, v, "expected one of " + list));
    }
    c.*field = v;
    return Ok();
  };
}

std::function<Status(Config&, const std::string&)> BoolSetting(const char* key,
                                                               bool Config::*field) {
  return [key, field](Config& c, const std::string& v) -> Status {
    auto b = ParseBool(v);
    if (!b) return Fail(Bad(key, v, "expected true or false"));
    c.*field = *b;
    return Ok();
  };
}

const std::vector<Setting>& Settings() {
  static const std::vector<Setting> settings = {
      {"listen", "address:port to serve on (port 0 picks a free one)", false,
       [](Config& c, const std::string& v) -> Status {
         if (v.rfind(':') == std::string::npos) return Fail(Bad("listen", v, "expected host:port"));
         c.listen = v;
         return Ok();
       }},
      {"data_dir", "directory for the catalog and object data", false,
       [](Config& c, const std::string& v) -> Status {
         c.data_dir = v;
         return Ok();
       }},
      {"ephemeral", "keep state in a temporary directory removed at exit", true,
       BoolSetting("ephemeral", &Config::ephemeral)},
      {"log_level", "trace, debug, info, warn, error or off", false,
       StringSetting(&Config::log_level, {"trace", "debug", "info", "warn", "error", "off"},
                     "log_level")},
      {"log_format", "text or json", false,
       StringSetting(&Config::log_format, {"text", "json"}, "log_format")},
      {"access_log", "one log line per request", true,
       BoolSetting("access_log", &Config::access_log)},
      {"region", "region of requests that name none", false, StringSetting(&Config::region)},
      {"io_threads", "I/O threads (0: one per core)", false,
       IntSetting("io_threads", &Config::io_threads, 0)},
      {"worker_threads", "threads for blocking work (0: 16)", false,
       IntSetting("worker_threads", &Config::worker_threads, 0)},
      {"durability", "relaxed, or strict (fsync every commit)", false,
       StringSetting(&Config::durability, {"relaxed", "strict"}, "durability")},
      {"s3_encryption_at_rest", "store S3 object bytes encrypted under the master key", true,
       BoolSetting("s3_encryption_at_rest", &Config::s3_encryption_at_rest)},
      {"s3_master_key_file", "32-byte master key for at-rest encryption (created if absent)", false,
       [](Config& c, const std::string& v) -> Status {
         c.s3_master_key_file = v;
         return Ok();
       }},
      {"max_clock_skew", "seconds a signature's time may differ from the clock", false,
       IntSetting("max_clock_skew", &Config::max_clock_skew, 1)},
      {"max_request_body", "largest buffered (non-S3-data) request body, e.g. 16MiB", false,
       [](Config& c, const std::string& v) -> Status {
         auto n = ParseSize(v);
         if (!n) return Fail(Bad("max_request_body", v, "expected a size such as 16MiB"));
         c.max_request_body = *n;
         return Ok();
       }},
      {"max_header_bytes", "largest request head (request line and headers)", false,
       [](Config& c, const std::string& v) -> Status {
         auto n = ParseSize(v);
         if (!n || *n < 1024) return Fail(Bad("max_header_bytes", v, "expected >= 1024"));
         c.max_header_bytes = *n;
         return Ok();
       }},
      {"header_timeout", "seconds to receive a request head", false,
       IntSetting("header_timeout", &Config::header_timeout, 1)},
      {"idle_timeout", "seconds a keep-alive connection may idle", false,
       IntSetting("idle_timeout", &Config::idle_timeout, 1)},
      {"body_timeout", "seconds each read of a request body may wait", false,
       IntSetting("body_timeout", &Config::body_timeout, 1)},
      {"drain_timeout", "seconds in-flight requests get at shutdown", false,
       IntSetting("drain_timeout", &Config::drain_timeout, 0)},
      {"default_access_key", "root access key of account 000000000000", false,
       StringSetting(&Config::default_access_key)},
      {"default_secret_key", "its secret key", false, StringSetting(&Config::default_secret_key)},
  };
  return settings;
}

const Setting* FindSetting(std::string_view key) {
  for (const auto& s : Settings()) {
    if (key == s.key) return &s;
  }
  return nullptr;
}

std::string FlagName(const char* key) {
  std::string f = std::string("--") + key;
  std::replace(f.begin(), f.end(), '_', '-');
  return f;
}

std::string EnvName(const char* key) {
  std::string e = std::string("GUREUM_") + key;
  for (char& c : e) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return e;
}

std::string TomlScalar(const toml::node& node) {
  if (auto s = node.as_string()) return s->get();
  if (auto i = node.as_integer()) return std::to_string(i->get());
  if (auto b = node.as_boolean()) return b->get() ? "true" : "false";
  if (auto f = node.as_floating_point()) return std::to_string(f->get());
  return {};
}

Status LoadFile(Config& config, const std::filesystem::path& path) {
  toml::table table;
  try {
    table = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    std::ostringstream where;
    where << e.source().begin;
    return Fail(ErrorCode::InvalidParameterValue, "config file " + path.string() + ": " +
                                                      std::string(e.description()) + " at " +
                                                      where.str());
  }
  for (auto&& [key, node] : table) {
    std::string k(key.str());
    if (k == "accounts") {
      auto* array = node.as_array();
      if (array == nullptr) {
        return Fail(ErrorCode::InvalidParameterValue, "config: accounts must be [[accounts]]");
      }
      for (auto& entry : *array) {
        auto* t = entry.as_table();
        if (t == nullptr) {
          return Fail(ErrorCode::InvalidParameterValue, "config: each account is a table");
        }
        AccountConfig a;
        a.id = t->get("id") ? TomlScalar(*t->get("id")) : "";
        a.name = t->get("name") ? TomlScalar(*t->get("name")) : "";
        a.access_key_id = t->get("access_key_id") ? TomlScalar(*t->get("access_key_id")) : "";
        a.secret_access_key =
            t->get("secret_access_key") ? TomlScalar(*t->get("secret_access_key")) : "";
        a.canonical_user_id =
            t->get("canonical_user_id") ? TomlScalar(*t->get("canonical_user_id")) : "";
        a.email = t->get("email") ? TomlScalar(*t->get("email")) : "";
        if (a.id.size() != 12 || a.id.find_first_not_of("0123456789") != std::string::npos) {
          return Fail(ErrorCode::InvalidParameterValue,
                      "config: account id '" + a.id + "' is not 12 digits");
        }
        if (a.access_key_id.empty() || a.secret_access_key.empty()) {
          return Fail(ErrorCode::InvalidParameterValue,
                      "config: account " + a.id + " needs access_key_id and secret_access_key");
        }
        config.accounts.push_back(std::move(a));
      }
      continue;
    }
    const Setting* setting = FindSetting(k);
    if (setting == nullptr) {
      return Fail(ErrorCode::InvalidParameterValue,
                  "config file " + path.string() + ": unknown setting '" + k + "'");
    }
    GUREUM_RETURN_IF_ERROR(setting->set(config, TomlScalar(node)));
  }
  return Ok();
}

}  // namespace

std::filesystem::path DefaultDataDir() {
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) {
    return std::filesystem::path(xdg) / "gureum";
  }
  if (const char* home = std::getenv("HOME"); home && *home) {
    return std::filesystem::path(home) / ".local" / "share" / "gureum";
  }
  return std::filesystem::path("/var/lib/gureum");
}

Result<Config> LoadConfig(const std::vector<std::string>& args) {
  Config config;
  // The config file may be named on the command line, or in the environment.
  std::optional<std::filesystem::path> file;
  if (const char* env = std::getenv("GUREUM_CONFIG"); env && *env) file = env;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--config" && i + 1 < args.size()) file = args[i + 1];
    if (StartsWith(args[i], "--config=")) file = args[i].substr(9);
  }
  if (file) {
    GUREUM_RETURN_IF_ERROR(LoadFile(config, *file));
    config.config_file = file;
  }
  for (const auto& setting : Settings()) {
    if (const char* env = std::getenv(EnvName(setting.key).c_str()); env != nullptr) {
      GUREUM_RETURN_IF_ERROR(setting.set(config, env));
    }
  }
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--config") {
      ++i;
      continue;
    }
    if (StartsWith(arg, "--config=")) continue;
    std::string name = arg, value;
    bool has_value = false;
    if (auto eq = arg.find('='); eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    }
    const Setting* setting = nullptr;
    for (const auto& s : Settings()) {
      if (FlagName(s.key) == name) setting = &s;
    }
    if (setting == nullptr) {
      return Fail(ErrorCode::InvalidParameterValue,
                  "unknown option '" + arg + "' (see gureum serve --help)");
    }
    if (!has_value) {
      if (setting->boolean && (i + 1 >= args.size() || StartsWith(args[i + 1], "--"))) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return Fail(ErrorCode::InvalidParameterValue, "option " + name + " needs a value");
      }
    }
    GUREUM_RETURN_IF_ERROR(setting->set(config, value));
  }
  if (config.data_dir.empty()) config.data_dir = DefaultDataDir();
  return config;
}

std::string ServeHelp() {
  std::ostringstream out;
  out << "usage: gureum serve [options]\n\n"
      << "Serves S3, IAM, STS, EC2, RDS and CloudWatch APIs on one endpoint.\n"
      << "Every option is also a GUREUM_* environment variable and a key of the TOML config\n"
      << "file (--config FILE or GUREUM_CONFIG); flags override the environment, which\n"
      << "overrides the file.\n\n"
      << "  --config FILE                     TOML configuration file\n";
  for (const auto& s : Settings()) {
    std::string flag = FlagName(s.key) + (s.boolean ? "" : " VALUE");
    out << "  " << flag << std::string(flag.size() < 34 ? 34 - flag.size() : 1, ' ') << s.help
        << "  [" << EnvName(s.key) << "]\n";
  }
  return out.str();
}

}  // namespace gureum::daemon
