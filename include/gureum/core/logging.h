#pragma once
// Logging setup. Two loggers, both to stderr through one background thread so that I/O threads
// never block on a terminal: the default logger (spdlog::info(...)) and the access log (one
// line per request). In JSON format every line is one JSON object.

#include <string_view>

#include <spdlog/spdlog.h>

namespace gureum {

// level: trace, debug, info, warn, error, off. Safe to call again (tests).
void InitLogging(std::string_view level, bool json);
// The access log; falls back to the default logger before InitLogging.
spdlog::logger& AccessLog();
// Flushes and stops the background thread (process exit).
void ShutdownLogging();

}  // namespace gureum
