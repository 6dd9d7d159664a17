// Replays every tests/unit/iam/cases/*.jsonl file: each line is a `gureum iam simulate` case
// with an "expect" decision (and an optional "note"); the evaluator must agree.

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "iam/simulation.h"

namespace gureum::iam {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> CaseFiles() {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(GUREUM_IAM_CASES_DIR, ec)) {
    if (entry.path().extension() == ".jsonl") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(IamVectorsTest, EveryCaseMatchesItsExpectation) {
  size_t cases = 0;
  for (const auto& file : CaseFiles()) {
    std::ifstream in(file);
    std::string line;
    for (size_t number = 1; std::getline(in, line); ++number) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      std::string where = file.filename().string() + ":" + std::to_string(number);
      auto j = nlohmann::json::parse(line, nullptr, false);
      ASSERT_FALSE(j.is_discarded()) << where << ": not JSON";
      ++cases;
      std::string id = SimulationCaseId(j);
      std::string note = j.value("note", "");
      std::string expect = j.value("expect", "");
      auto parsed = ParseSimulationCase(j);
      if (!parsed) {
        EXPECT_EQ(expect, "Error")
            << where << " " << id << " (" << note << "): " << parsed.error().message();
        continue;
      }
      Evaluation result = Simulate(*parsed, true);
      std::string got(DecisionName(result.decision));
      if (got != expect) {
        std::string trace;
        for (const auto& step : result.trace) trace += "\n    " + step;
        ADD_FAILURE() << where << " " << id << ": expected " << expect << ", got " << got
                      << (note.empty() ? "" : "\n  note: " + note) << trace;
      }
    }
  }
  if (cases == 0) GTEST_SKIP() << "no case files in " << GUREUM_IAM_CASES_DIR;
  RecordProperty("cases", static_cast<int>(cases));
}

}  // namespace
}  // namespace gureum::iam
