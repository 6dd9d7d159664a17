#pragma once
// Helpers shared by the auth unit tests: an in-memory credential provider, a parser for the
// signed-request files of the AWS signing test suite, and a signer built from the library's own
// SigV4 primitives (for error-path tests that need a valid signature to start from).

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "gureum/auth/credential_store.h"
#include "gureum/core/encoding.h"
#include "gureum/core/time_format.h"
#include "gureum/http/message.h"

#include "auth/sigv4.h"

namespace gureum::auth::testing {

// Credentials by access key id; what a CredentialStore provider would load from the catalog.
class FakeCredentialProvider final : public CredentialProvider {
 public:
  void Add(Credential credential) {
    credentials_[credential.access_key_id] = std::move(credential);
  }
  std::optional<Credential> Lookup(std::string_view access_key_id) override {
    auto it = credentials_.find(std::string(access_key_id));
    if (it == credentials_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::map<std::string, Credential> credentials_;
};

inline Credential MakeCredential(std::string access_key_id, std::string secret,
                                 std::optional<std::string> session_token = std::nullopt) {
  Credential c;
  c.access_key_id = std::move(access_key_id);
  c.secret_access_key = std::move(secret);
  c.session_token = std::move(session_token);
  c.principal.type = PrincipalType::Root;
  c.principal.account_id = "000000000000";
  c.principal.arn = "arn:aws:iam::000000000000:root";
  c.principal.user_id = "000000000000";
  return c;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline std::chrono::system_clock::time_point At(std::string_view iso8601) {
  auto t = ParseIso8601(iso8601);
  EXPECT_TRUE(t.has_value()) << iso8601;
  return t.value_or(std::chrono::system_clock::time_point{});
}

// A request as the signing test suite writes it: "METHOD target HTTP/1.1", then "Name:value"
// lines, a blank line and the body. The target is taken as the raw bytes on the wire (the
// suite puts unencoded spaces and UTF-8 there). Like the aws-c-auth harness that produced the
// files, a line starting with whitespace is one more value of the header above it.
struct SignedRequest {
  http::Request request;
  std::string body;
};

inline SignedRequest ParseSignedRequest(std::string_view text) {
  SignedRequest out;
  size_t blank = text.find("\n\n");
  std::string_view head = text.substr(0, blank);
  if (blank != std::string_view::npos) out.body = std::string(text.substr(blank + 2));
  std::vector<std::string_view> lines;
  for (size_t pos = 0; pos <= head.size();) {
    size_t end = head.find('\n', pos);
    if (end == std::string_view::npos) end = head.size();
    lines.push_back(head.substr(pos, end - pos));
    pos = end + 1;
  }
  std::string_view first = lines.at(0);
  size_t method_end = first.find(' ');
  size_t version_start = first.rfind(' ');
  out.request.method = std::string(first.substr(0, method_end));
  out.request.target = std::string(first.substr(method_end + 1, version_start - method_end - 1));
  size_t question = out.request.target.find('?');
  out.request.path = out.request.target.substr(0, question);
  if (question != std::string::npos) out.request.query = out.request.target.substr(question + 1);
  std::string last_name;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (line.empty()) continue;
    if (line.front() == ' ' || line.front() == '\t') {
      out.request.headers.Add(last_name, std::string(Trim(line)));
      continue;
    }
    size_t colon = line.find(':');
    last_name = std::string(line.substr(0, colon));
    out.request.headers.Add(last_name, std::string(line.substr(colon + 1)));
  }
  if (auto length = out.request.headers.Get("Content-Length")) {
    // The suite's files may end the body with a newline that Content-Length does not count.
    out.body.resize(std::min(out.body.size(), std::stoul(std::string(*length))));
    out.request.content_length = out.body.size();
  }
  return out;
}

// Signs `request` in place with an Authorization header, as an SDK would: X-Amz-Date (or Date,
// when `http_date` is set), and x-amz-content-sha256 when `content_sha256_header`, are added
// first, and every header is signed.
struct SignOptions {
  std::string access_key_id = "AKIDEXAMPLE";
  std::string secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  std::string amz_date = "20150830T123600Z";
  std::string region = "us-east-1";
  std::string service = "service";
  std::string payload_hash = std::string(kEmptySha256);
  bool content_sha256_header = false;
  std::optional<std::string> http_date;  // sign a Date header instead of X-Amz-Date
  UriStyle style = UriStyle::Normalized;
};

inline void SignWithHeader(http::Request& request, const SignOptions& o) {
  if (o.http_date) {
    request.headers.Set("Date", *o.http_date);
  } else {
    request.headers.Set("X-Amz-Date", o.amz_date);
  }
  if (o.content_sha256_header) request.headers.Set("x-amz-content-sha256", o.payload_hash);
  std::vector<std::string> names;
  for (const auto& [name, value] : request.headers.entries()) {
    std::string lower = ToLower(name);
    if (std::find(names.begin(), names.end(), lower) == names.end()) names.push_back(lower);
  }
  std::sort(names.begin(), names.end());
  SignatureClaim claim;
  claim.scope = CredentialScope{o.amz_date.substr(0, 8), o.region, o.service};
  claim.signed_headers = names;
  for (const auto& n : names) {
    if (!claim.signed_headers_text.empty()) claim.signed_headers_text += ';';
    claim.signed_headers_text += n;
  }
  auto check = ComputeSignature(request, claim, o.amz_date, o.payload_hash,
                                DeriveSigningKey(o.secret, claim.scope), o.style);
  ASSERT_TRUE(check.has_value());
  request.headers.Add("Authorization",
                      std::string(kSigV4Algorithm) + " Credential=" + o.access_key_id + "/" +
                          claim.scope.String() + ", SignedHeaders=" + claim.signed_headers_text +
                          ", Signature=" + check->signature);
}

}  // namespace gureum::auth::testing
