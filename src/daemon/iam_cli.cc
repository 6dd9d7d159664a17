#include "daemon/iam_cli.h"

#include <fstream>
#include <iostream>
#include <istream>
#include <string>

#include <nlohmann/json.hpp>

#include "iam/simulation.h"

namespace gureum::daemon {
namespace {

constexpr const char* kUsage =
    "usage: gureum iam simulate --jsonl FILE [--explain]\n\n"
    "Evaluates IAM policy cases, one JSON object per line (FILE may be - for stdin), and\n"
    "prints '<id> <Decision>' per case: Allow, ExplicitDeny or ImplicitDeny. A malformed case\n"
    "prints '<id> Error <message>' and makes the exit status 1. See docs/iam-simulate.md.\n\n"
    "  --jsonl FILE   the cases\n"
    "  --explain      print each case's trace on indented lines\n";

int Usage(const std::string& problem) {
  if (!problem.empty()) std::cerr << "gureum iam: " << problem << "\n";
  std::cerr << kUsage;
  return 2;
}

// Returns whether the case was well-formed.
bool RunLine(const std::string& line, size_t number, bool explain, std::ostream& out) {
  nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
  std::string id = j.is_discarded() ? "" : iam::SimulationCaseId(j);
  if (id.empty()) id = "line:" + std::to_string(number);
  if (j.is_discarded()) {
    out << id << " Error the line is not valid JSON\n";
    return false;
  }
  auto parsed = iam::ParseSimulationCase(j);
  if (!parsed) {
    out << id << " Error " << parsed.error().message() << "\n";
    return false;
  }
  iam::Evaluation result = iam::Simulate(*parsed, explain);
  out << id << " " << iam::DecisionName(result.decision) << "\n";
  if (explain) {
    for (const auto& step : result.trace) out << "    " << step << "\n";
  }
  return true;
}

int Simulate(const std::vector<std::string>& args) {
  std::string file;
  bool explain = false;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--jsonl" && i + 1 < args.size()) {
      file = args[++i];
    } else if (args[i] == "--explain") {
      explain = true;
    } else if (args[i] == "--help" || args[i] == "-h") {
      std::cout << kUsage;
      return 0;
    } else {
      return Usage("unexpected argument '" + args[i] + "'");
    }
  }
  if (file.empty()) return Usage("--jsonl FILE is required");
  std::ifstream stream;
  if (file != "-") {
    stream.open(file);
    if (!stream) {
      std::cerr << "gureum iam: cannot open " << file << "\n";
      return 2;
    }
  }
  return SimulateCases(file == "-" ? std::cin : stream, std::cout, explain) ? 0 : 1;
}

}  // namespace

bool SimulateCases(std::istream& in, std::ostream& out, bool explain) {
  bool ok = true;
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    ok &= RunLine(line, number, explain, out);
  }
  return ok;
}

int Iam(const std::vector<std::string>& args) {
  if (args.empty()) return Usage("");
  if (args.front() == "simulate") return Simulate({args.begin() + 1, args.end()});
  if (args.front() == "--help" || args.front() == "-h") {
    std::cout << kUsage;
    return 0;
  }
  return Usage("unknown subcommand '" + args.front() + "'");
}

}  // namespace gureum::daemon
