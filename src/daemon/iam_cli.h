#pragma once
// `gureum iam ...`: IAM tools that need no running daemon.

#include <istream>
#include <ostream>
#include <string>
#include <vector>

namespace gureum::daemon {

// `gureum iam simulate --jsonl FILE [--explain]`: evaluates one policy case per line and prints
// `<id> <Decision>` (with --explain, the trace on indented lines). Returns the exit code:
// 0, 1 when any case was malformed, 2 on usage errors.
int Iam(const std::vector<std::string>& args);

// The body of `simulate`: reads cases from `in`, writes results to `out`. Returns whether every
// case was well-formed.
bool SimulateCases(std::istream& in, std::ostream& out, bool explain);

}  // namespace gureum::daemon
