#include "gureum/core/logging.h"

#include <memory>

#include <spdlog/async.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace gureum {
namespace {

std::shared_ptr<spdlog::logger> g_access;

// %* : the message escaped as a JSON string body.
class JsonEscapedMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    static constexpr char kHex[] = "0123456789abcdef";
    for (char c : std::string_view(msg.payload.data(), msg.payload.size())) {
      switch (c) {
        case '"':
          dest.append(std::string_view("\\\""));
          break;
        case '\\':
          dest.append(std::string_view("\\\\"));
          break;
        case '\n':
          dest.append(std::string_view("\\n"));
          break;
        case '\r':
          dest.append(std::string_view("\\r"));
          break;
        case '\t':
          dest.append(std::string_view("\\t"));
          break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            char esc[6] = {'\\', 'u', '0', '0', kHex[(c >> 4) & 0xF], kHex[c & 0xF]};
            dest.append(std::string_view(esc, 6));
          } else {
            dest.push_back(c);
          }
      }
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonEscapedMessage>();
  }
};

}  // namespace

void InitLogging(std::string_view level, bool json) {
  spdlog::shutdown();
  spdlog::init_thread_pool(8192, 1);
  // One sink each: a pattern belongs to a sink, and the two loggers format differently. The
  // pool's single thread does all writing, so lines never interleave.
  auto make = [&](const char* name) {
    return std::make_shared<spdlog::async_logger>(
        name, std::make_shared<spdlog::sinks::stderr_sink_mt>(), spdlog::thread_pool(),
        spdlog::async_overflow_policy::block);
  };
  auto main_logger = make("gureum");
  g_access = make("access");
  if (json) {
    auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    formatter->add_flag<JsonEscapedMessage>('*').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","message":"%*"})");
    main_logger->set_formatter(std::move(formatter));
    // Access lines are complete JSON objects already.
    g_access->set_pattern("%v", spdlog::pattern_time_type::utc);
  } else {
    main_logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
    g_access->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ access %v", spdlog::pattern_time_type::utc);
  }
  auto lvl = spdlog::level::from_str(std::string(level));
  main_logger->set_level(lvl);
  g_access->set_level(lvl);
  main_logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(main_logger);
  spdlog::flush_every(std::chrono::seconds(1));
}

spdlog::logger& AccessLog() {
  if (g_access) return *g_access;
  return *spdlog::default_logger();
}

void ShutdownLogging() {
  if (auto logger = spdlog::default_logger()) logger->flush();
  if (g_access) g_access->flush();
  // Join the writer thread first (its queued messages hold references to the loggers), then
  // drop ours: the other order released one logger from two threads at once.
  spdlog::shutdown();
  g_access.reset();
}

}  // namespace gureum
