// Browser form uploads on untrusted bytes: the streaming multipart/form-data reader, and the
// POST policy checks against the fields it read.
// Input layout:
//   byte 0: seed of the split of the body into reads (as a socket would deliver it)
//   byte 1: seed of the sizes the file is read with
//   then the boundary, up to the first '\n'
//   then a POST policy (JSON), up to the first '\0'
//   then the multipart/form-data body.
// The body is read twice, whole and in pieces: both runs must reach the same verdict, fields,
// file name, content type and (when the form is well-formed) file bytes. Once the file is read to
// its end, it stays at its end. The policy, if it parses, is checked against the fields; its
// verdicts must be S3's.
//   ./build/dev/tests/fuzz/s3_form_fuzz tests/fuzz/corpus/s3_form_fuzz

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gureum/http/message.h"

#include "s3/form_upload.h"

namespace {

using gureum::s3::FormReader;

uint32_t Next(uint32_t& state) {
  state ^= state << 13;
  state ^= state >> 17;
  state ^= state << 5;
  return state;
}

// Hands out the body in pieces of 1 to 64 bytes.
class PieceSource final : public gureum::http::BodySource {
 public:
  PieceSource(std::string_view data, uint32_t seed) : data_(data), state_(seed * 2654435761u + 1) {}
  gureum::Result<size_t> Read(std::span<char> buffer) override {
    if (buffer.empty() || offset_ == data_.size()) return size_t{0};
    size_t n = std::min<size_t>({buffer.size(), data_.size() - offset_, 1 + Next(state_) % 64});
    std::copy_n(data_.data() + offset_, n, buffer.data());
    offset_ += n;
    return n;
  }

 private:
  std::string_view data_;
  size_t offset_ = 0;
  uint32_t state_;
};

struct Outcome {
  std::optional<std::string> error;  // code and message of the first error
  std::map<std::string, std::string> fields;
  std::string filename;
  std::string content_type;
  std::string file;
  bool operator==(const Outcome&) const = default;
};

Outcome ReadForm(gureum::http::BodySource& body, const std::string& boundary, uint32_t read_seed,
                 size_t body_size) {
  Outcome outcome;
  FormReader form(body, boundary);
  auto fields = form.ReadFields();
  outcome.fields = form.fields();
  if (!fields) {
    outcome.error = fields.error().code() + ": " + fields.error().message();
    return outcome;
  }
  outcome.filename = form.filename();
  outcome.content_type = form.file_content_type();
  uint32_t state = read_seed * 2246822519u + 7;
  std::vector<char> buffer(8192);
  for (;;) {
    size_t want = 1 + Next(state) % buffer.size();
    auto got = form.file().Read(std::span<char>(buffer.data(), want));
    if (!got) {
      // The reader streams file bytes before it can know the terminating boundary is missing;
      // how many depends on the read sizes, which differ between the two runs. The upload is
      // discarded on any error, so only the verdict is compared then.
      outcome.error = got.error().code() + ": " + got.error().message();
      outcome.file.clear();
      break;
    }
    if (*got > want) __builtin_trap();
    if (*got == 0) {
      // The end of the file stays the end.
      auto again = form.file().Read(std::span<char>(buffer.data(), buffer.size()));
      if (!again || *again != 0) __builtin_trap();
      break;
    }
    outcome.file.append(buffer.data(), *got);
    if (outcome.file.size() > body_size) __builtin_trap();
  }
  form.DrainRest();
  return outcome;
}

void CheckPolicy(std::string_view text, const Outcome& outcome) {
  nlohmann::json policy = nlohmann::json::parse(text, nullptr, false);
  if (policy.is_discarded()) return;
  std::map<std::string, std::string> fields = outcome.fields;
  fields["bucket"] = "fuzz-bucket";
  auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
  auto checked = gureum::s3::CheckPostPolicy(policy, fields, now);
  if (!checked) {
    if (checked.error().code() != "AccessDenied" || checked.error().http_status() != 403) {
      __builtin_trap();
    }
    if (checked.error().message().rfind("Invalid according to Policy: ", 0) != 0) __builtin_trap();
  }
  auto sized = gureum::s3::CheckPostPolicySize(policy, outcome.file.size());
  if (!sized) {
    const auto& code = sized.error().code();
    if ((code != "EntityTooSmall" && code != "EntityTooLarge") ||
        sized.error().http_status() != 400) {
      __builtin_trap();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  uint32_t split_seed = data[0];
  uint32_t read_seed = data[1];
  std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  size_t eol = rest.find('\n');
  if (eol == std::string_view::npos) return 0;
  std::string content_type = "multipart/form-data; boundary=" + std::string(rest.substr(0, eol));
  rest.remove_prefix(eol + 1);
  size_t nul = rest.find('\0');
  std::string_view policy =
      nul == std::string_view::npos ? std::string_view() : rest.substr(0, nul);
  std::string_view body = nul == std::string_view::npos ? rest : rest.substr(nul + 1);

  auto boundary = gureum::s3::FormBoundary(content_type);
  if (!boundary) return 0;
  if (boundary->empty() || boundary->size() > 200) __builtin_trap();

  gureum::http::StringBodySource whole_source(body);
  Outcome whole = ReadForm(whole_source, *boundary, read_seed, body.size());
  PieceSource piece_source(body, split_seed);
  Outcome pieces = ReadForm(piece_source, *boundary, read_seed ^ 0x5a, body.size());
  if (!(whole == pieces)) __builtin_trap();
  CheckPolicy(policy, whole);
  return 0;
}
