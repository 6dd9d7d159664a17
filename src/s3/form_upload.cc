#include "s3/form_upload.h"

#include <algorithm>
#include <cstring>
#include <set>

#include "gureum/core/encoding.h"
#include "gureum/core/time_format.h"

#include "s3/s3_errors.h"

namespace gureum::s3 {
namespace {

using nlohmann::json;

constexpr size_t kMaxFieldBytes = 20 * 1024;
constexpr size_t kMaxFields = 100;
constexpr size_t kReadChunk = 64 * 1024;

AwsError Malformed(std::string message) {
  return errors::Make(
      "MalformedPOSTRequest",
      "The body of your POST request is not well-formed multipart/form-data. " + std::move(message),
      400);
}

AwsError PolicyDenied(std::string why) {
  return errors::AccessDenied("Invalid according to Policy: " + std::move(why));
}

// A header parameter such as name="key" in Content-Disposition.
std::string Param(std::string_view header, std::string_view name) {
  std::string lower = ToLower(header);
  std::string needle = std::string(name) + "=";
  size_t pos = 0;
  while ((pos = lower.find(needle, pos)) != std::string::npos) {
    if (pos == 0 || lower[pos - 1] == ' ' || lower[pos - 1] == ';') break;
    pos += needle.size();
  }
  if (pos == std::string::npos) return {};
  std::string_view rest = header.substr(pos + needle.size());
  if (!rest.empty() && rest.front() == '"') {
    size_t end = rest.find('"', 1);
    return std::string(rest.substr(1, end == std::string_view::npos ? end : end - 1));
  }
  return std::string(Trim(rest.substr(0, rest.find(';'))));
}

}  // namespace

std::optional<std::string> FormBoundary(std::string_view content_type) {
  if (!StartsWith(ToLower(Trim(content_type)), "multipart/form-data")) return std::nullopt;
  std::string boundary = Param(content_type, "boundary");
  if (boundary.empty() || boundary.size() > 200) return std::nullopt;
  return boundary;
}

FormReader::FormReader(http::BodySource& body, std::string boundary)
    : body_(body), delimiter_("\r\n--" + boundary) {}

Status FormReader::Fill(size_t n) {
  if (pos_ > 0 && pos_ >= buffer_.size() / 2) {
    buffer_.erase(0, pos_);
    pos_ = 0;
  }
  std::string chunk(kReadChunk, '\0');
  while (buffer_.size() - pos_ < n && !eof_) {
    GUREUM_TRY(size_t got, body_.Read(chunk));
    if (got == 0) {
      eof_ = true;
      break;
    }
    buffer_.append(chunk.data(), got);
  }
  return Ok();
}

Result<std::string> FormReader::ReadLine() {
  for (;;) {
    size_t eol = buffer_.find("\r\n", pos_);
    if (eol != std::string::npos) {
      // The same limit whether the line arrived in one read or many.
      if (eol - pos_ > kMaxFieldBytes) return Fail(Malformed("A line is too long."));
      std::string line = buffer_.substr(pos_, eol - pos_);
      pos_ = eol + 2;
      return line;
    }
    if (buffer_.size() - pos_ > kMaxFieldBytes + 1) return Fail(Malformed("A line is too long."));
    size_t before = buffer_.size() - pos_;
    GUREUM_RETURN_IF_ERROR(Fill(before + 1));
    if (buffer_.size() - pos_ == before) return Fail(Malformed("The body ended early."));
  }
}

// After a delimiter: "--" ends the form; otherwise the part's headers follow.
Result<bool> FormReader::ReadPartHeaders(std::string& name, std::string& filename,
                                         std::string& type) {
  GUREUM_RETURN_IF_ERROR(Fill(2));
  if (buffer_.compare(pos_, 2, "--") == 0) return false;
  GUREUM_TRY(std::string rest_of_delimiter_line, ReadLine());
  if (!Trim(rest_of_delimiter_line).empty()) return Fail(Malformed("Bad boundary line."));
  name.clear();
  filename.clear();
  type.clear();
  for (;;) {
    GUREUM_TRY(std::string line, ReadLine());
    if (line.empty()) break;
    size_t colon = line.find(':');
    if (colon == std::string::npos) return Fail(Malformed("Bad part header."));
    std::string header = ToLower(Trim(std::string_view(line).substr(0, colon)));
    std::string_view value = Trim(std::string_view(line).substr(colon + 1));
    if (header == "content-disposition") {
      name = ToLower(Param(value, "name"));
      filename = Param(value, "filename");
    } else if (header == "content-type") {
      type = std::string(value);
    }
  }
  if (name.empty()) return Fail(Malformed("A part has no name."));
  return true;
}

Status FormReader::ReadFields() {
  // The body starts with "--boundary" (the delimiter without its leading CRLF).
  std::string first = delimiter_.substr(2);
  GUREUM_RETURN_IF_ERROR(Fill(first.size()));
  if (buffer_.compare(pos_, first.size(), first) != 0) {
    return Fail(Malformed("The body does not start with the boundary."));
  }
  pos_ += first.size();
  for (;;) {
    std::string name, filename, type;
    GUREUM_TRY(bool more, ReadPartHeaders(name, filename, type));
    if (!more) return Fail(Malformed("The form has no file field."));
    if (name == "file") {
      filename_ = filename;
      file_content_type_ = type;
      return Ok();
    }
    // A plain field: its value runs to the next delimiter.
    size_t end;
    auto too_large = [] {
      return Fail(errors::Make("MaxPostPreDataLengthExceeded",
                               "Your POST request fields preceding the upload file were too "
                               "large.",
                               400));
    };
    for (;;) {
      end = buffer_.find(delimiter_, pos_);
      if (end != std::string::npos) break;
      if (buffer_.size() - pos_ > kMaxFieldBytes + delimiter_.size()) return too_large();
      size_t before = buffer_.size() - pos_;
      GUREUM_RETURN_IF_ERROR(Fill(before + 1));
      if (buffer_.size() - pos_ == before) return Fail(Malformed("The body ended early."));
    }
    // However the body was split into reads, a value over the limit is refused.
    if (end - pos_ > kMaxFieldBytes) return too_large();
    if (fields_.size() >= kMaxFields) return Fail(Malformed("Too many fields."));
    fields_[name] = buffer_.substr(pos_, end - pos_);
    pos_ = end + delimiter_.size();
  }
}

Result<size_t> FormReader::FileSource::Read(std::span<char> out) {
  FormReader& r = reader_;
  if (r.file_done_ || out.empty()) return size_t{0};
  const size_t d = r.delimiter_.size();
  // Keep enough buffered that a delimiter split across reads is still seen whole.
  GUREUM_RETURN_IF_ERROR(r.Fill(std::min(out.size(), kReadChunk) + d));
  size_t found = r.buffer_.find(r.delimiter_, r.pos_);
  size_t available = r.buffer_.size() - r.pos_;
  size_t n;
  if (found != std::string::npos) {
    n = std::min(out.size(), found - r.pos_);
    if (n == 0) {
      r.pos_ = found + d;
      r.file_done_ = true;
      return size_t{0};
    }
  } else {
    if (r.eof_) return Fail(Malformed("The file field is not terminated by the boundary."));
    // Everything but a possible partial delimiter at the end is file data.
    n = std::min(out.size(), available > d ? available - d : 0);
    if (n == 0) {
      GUREUM_RETURN_IF_ERROR(r.Fill(available + 1));
      return Read(out);
    }
  }
  std::memcpy(out.data(), r.buffer_.data() + r.pos_, n);
  r.pos_ += n;
  return n;
}

void FormReader::DrainRest() {
  char scratch[16384];
  for (;;) {
    auto n = body_.Read(scratch);
    if (!n || *n == 0) return;
  }
}

Status CheckPostPolicy(const json& policy, const std::map<std::string, std::string>& fields,
                       std::chrono::system_clock::time_point now) {
  if (!policy.is_object() || !policy.contains("expiration") || !policy["expiration"].is_string()) {
    return Fail(PolicyDenied("Policy missing expiration."));
  }
  auto expiration = ParseIso8601(policy["expiration"].get<std::string>());
  if (!expiration) return Fail(PolicyDenied("Invalid Policy: Invalid 'expiration' value."));
  if (now > *expiration) return Fail(PolicyDenied("Policy expired."));
  const json& conditions = policy.value("conditions", json::array());
  if (!conditions.is_array()) return Fail(PolicyDenied("Invalid Policy: Invalid 'conditions'."));
  auto field = [&](std::string name) -> std::string {
    name = ToLower(name);
    auto it = fields.find(name);
    return it == fields.end() ? std::string() : it->second;
  };
  std::set<std::string> covered;
  for (const auto& c : conditions) {
    if (c.is_object()) {
      for (auto& [name, value] : c.items()) {
        std::string expected = value.is_string() ? value.get<std::string>() : value.dump();
        covered.insert(ToLower(name));
        if (field(name) != expected) {
          return Fail(PolicyDenied("Policy Condition failed: [\"eq\", \"$" + name + "\", \"" +
                                   expected + "\"]"));
        }
      }
      continue;
    }
    if (!c.is_array() || c.empty() || !c[0].is_string()) {
      return Fail(PolicyDenied("Invalid Policy: Invalid Condition."));
    }
    std::string op = ToLower(c[0].get<std::string>());
    if (op == "content-length-range") continue;  // checked once the size is known
    if (c.size() != 3 || !c[1].is_string() || !c[2].is_string()) {
      return Fail(PolicyDenied("Invalid Policy: Invalid Condition."));
    }
    std::string written = c[1].get<std::string>();  // as the policy spells it, for messages
    std::string name = written;
    if (!name.empty() && name.front() == '$') name.erase(0, 1);
    name = ToLower(name);
    std::string expected = c[2].get<std::string>();
    covered.insert(name);
    std::string actual = field(name);
    bool ok = op == "eq" ? actual == expected : op == "starts-with" && StartsWith(actual, expected);
    if (op != "eq" && op != "starts-with") {
      return Fail(PolicyDenied("Invalid Policy: Invalid Condition operator " + op + "."));
    }
    if (!ok) {
      return Fail(PolicyDenied("Policy Condition failed: [\"" + c[0].get<std::string>() + "\", \"" +
                               written + "\", \"" + expected + "\"]"));
    }
  }
  // Every field the form sends must be named by a condition, but for these.
  static const std::set<std::string> kExempt = {
      "policy", "x-amz-signature", "signature",           "awsaccesskeyid",
      "file",   "bucket",          "x-amz-security-token"};
  for (const auto& [name, value] : fields) {
    if (kExempt.count(name) || StartsWith(name, "x-ignore-") || covered.count(name)) continue;
    return Fail(PolicyDenied("Extra input fields: " + name));
  }
  return Ok();
}

Status CheckPostPolicySize(const json& policy, uint64_t file_size) {
  if (!policy.is_object()) return Ok();
  for (const auto& c : policy.value("conditions", json::array())) {
    if (!c.is_array() || c.size() != 3 || !c[0].is_string() ||
        ToLower(c[0].get<std::string>()) != "content-length-range") {
      continue;
    }
    auto number = [](const json& v) -> int64_t {
      if (v.is_number_integer()) return v.get<int64_t>();
      if (v.is_string()) return std::atoll(v.get<std::string>().c_str());
      return -1;
    };
    int64_t min = number(c[1]), max = number(c[2]);
    if (static_cast<int64_t>(file_size) < min) {
      return Fail(errors::Make("EntityTooSmall",
                               "Your proposed upload is smaller than the minimum allowed size", 400)
                      .With("ProposedSize", std::to_string(file_size))
                      .With("MinSizeAllowed", std::to_string(min)));
    }
    if (static_cast<int64_t>(file_size) > max) {
      return Fail(errors::Make("EntityTooLarge",
                               "Your proposed upload exceeds the maximum allowed size", 400)
                      .With("ProposedSize", std::to_string(file_size))
                      .With("MaxSizeAllowed", std::to_string(max)));
    }
  }
  return Ok();
}

}  // namespace gureum::s3
