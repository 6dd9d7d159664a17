#include "auth/aws_chunked.h"

#include <algorithm>
#include <cstring>

namespace gureum::auth {
namespace {

constexpr size_t kMaxLineBytes = 4096;
constexpr std::string_view kSignatureParam = "chunk-signature=";

AwsError Malformed(std::string detail) {
  return AwsError(ErrorCode::InvalidRequest, "Malformed aws-chunked body: " + std::move(detail));
}

AwsError ChunkSignatureMismatch() {
  return AwsError(ErrorCode::InvalidChunkSignature,
                  "The request signature we calculated does not match the signature you "
                  "provided. Check your key and signing method.");
}

}  // namespace

AwsChunkedParser::AwsChunkedParser(AwsChunkedOptions options) : options_(std::move(options)) {
  if (options_.signing) previous_signature_ = options_.signing->seed_signature;
  for (const auto& name : options_.declared_trailers) {
    if (auto algorithm = ChecksumFromHeaderName(name)) {
      trailing_checksum_ = algorithm;
      checksummer_ = Checksummer::Create(*algorithm);
    }
  }
}

Status AwsChunkedParser::ParseChunkHeader(std::string_view line) {
  size_t semi = line.find(';');
  std::string_view size_text = line.substr(0, semi);
  if (size_text.empty() || size_text.size() > 16) return Fail(Malformed("bad chunk size"));
  uint64_t size = 0;
  for (char c : size_text) {
    int digit = (c >= '0' && c <= '9')   ? c - '0'
                : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                         : -1;
    if (digit < 0) return Fail(Malformed("bad chunk size"));
    size = (size << 4) | static_cast<uint64_t>(digit);
  }
  chunk_signature_.clear();
  if (semi != std::string_view::npos) {
    std::string_view ext = line.substr(semi + 1);
    if (ext.substr(0, kSignatureParam.size()) == kSignatureParam) {
      chunk_signature_ = ToLower(ext.substr(kSignatureParam.size()));
    }
  }
  if (options_.signed_chunks && chunk_signature_.empty()) {
    return Fail(Malformed("chunk without chunk-signature"));
  }
  chunk_size_ = size;
  remaining_ = size;
  chunk_hash_.Reset();
  if (size == 0) {
    // The final chunk: its signature covers empty data.
    if (options_.signed_chunks) GUREUM_RETURN_IF_ERROR(VerifyChunkSignature(kEmptySha256));
    state_ = options_.trailer ? State::Trailer : State::FinalCrlf;
    crlf_seen_ = 0;
    return Ok();
  }
  state_ = State::ChunkData;
  return Ok();
}

Status AwsChunkedParser::VerifyChunkSignature(std::string_view chunk_hash_hex) {
  const ChunkSigning& s = *options_.signing;
  std::string to_sign = "AWS4-HMAC-SHA256-PAYLOAD\n" + s.amz_date + "\n" + s.scope.String() + "\n" +
                        previous_signature_ + "\n" + std::string(kEmptySha256) + "\n" +
                        std::string(chunk_hash_hex);
  std::string expected = SignString(s.signing_key, to_sign);
  if (!ConstantTimeEquals(expected, chunk_signature_)) return Fail(ChunkSignatureMismatch());
  previous_signature_ = std::move(expected);
  return Ok();
}

Status AwsChunkedParser::EndChunk() {
  if (options_.signed_chunks) {
    GUREUM_RETURN_IF_ERROR(VerifyChunkSignature(HexEncode(chunk_hash_.Final())));
  }
  state_ = State::ChunkHeader;
  return Ok();
}

Status AwsChunkedParser::VerifyTrailerSignature(std::string_view signature) {
  const ChunkSigning& s = *options_.signing;
  std::string to_sign = "AWS4-HMAC-SHA256-TRAILER\n" + s.amz_date + "\n" + s.scope.String() + "\n" +
                        previous_signature_ + "\n" + Sha256Hex(trailer_text_);
  std::string expected = SignString(s.signing_key, to_sign);
  if (!ConstantTimeEquals(expected, ToLower(signature))) return Fail(ChunkSignatureMismatch());
  trailer_signed_ = true;
  return Ok();
}

Status AwsChunkedParser::ParseTrailerLine(std::string_view line) {
  size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return Fail(Malformed("bad trailing header"));
  std::string name = ToLower(Trim(line.substr(0, colon)));
  std::string value(Trim(line.substr(colon + 1)));
  if (name == "x-amz-trailer-signature") {
    if (!options_.signed_chunks) return Fail(Malformed("unexpected trailer signature"));
    return VerifyTrailerSignature(value);
  }
  if (trailer_signed_) return Fail(Malformed("trailing header after the trailer signature"));
  trailer_text_ += name + ":" + value + "\n";
  trailers_.emplace_back(std::move(name), std::move(value));
  return Ok();
}

Result<size_t> AwsChunkedParser::Process(char* data, size_t size) {
  size_t in = 0, out = 0;
  while (in < size) {
    switch (state_) {
      case State::ChunkHeader:
      case State::Trailer: {
        char c = data[in++];
        if (c == '\n') {
          std::string_view line(line_);
          if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
          if (state_ == State::ChunkHeader) {
            GUREUM_RETURN_IF_ERROR(ParseChunkHeader(line));
          } else if (line.empty()) {
            if (options_.signed_chunks && !trailer_signed_) {
              return Fail(Malformed("trailing headers without x-amz-trailer-signature"));
            }
            state_ = State::Done;
          } else {
            GUREUM_RETURN_IF_ERROR(ParseTrailerLine(line));
          }
          line_.clear();
        } else {
          if (line_.size() >= kMaxLineBytes) return Fail(Malformed("header line too long"));
          line_ += c;
        }
        break;
      }
      case State::ChunkData: {
        size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, size - in));
        std::string_view payload(data + in, n);
        if (options_.signed_chunks) chunk_hash_.Update(payload);
        if (checksummer_) checksummer_->Update(payload);
        std::memmove(data + out, data + in, n);
        in += n;
        out += n;
        remaining_ -= n;
        decoded_ += n;
        if (options_.decoded_length && decoded_ > *options_.decoded_length) {
          return Fail(Malformed("more data than x-amz-decoded-content-length"));
        }
        if (remaining_ == 0) {
          state_ = State::ChunkDataEnd;
          crlf_seen_ = 0;
        }
        break;
      }
      case State::ChunkDataEnd:
      case State::FinalCrlf: {
        char c = data[in++];
        if ((crlf_seen_ == 0 && c != '\r') || (crlf_seen_ == 1 && c != '\n')) {
          return Fail(Malformed("chunk data not followed by CRLF"));
        }
        if (++crlf_seen_ == 2) {
          if (state_ == State::ChunkDataEnd) {
            GUREUM_RETURN_IF_ERROR(EndChunk());
          } else {
            state_ = State::Done;
          }
        }
        break;
      }
      case State::Done: {
        char c = data[in++];
        if (c != '\r' && c != '\n') return Fail(Malformed("data after the final chunk"));
        break;
      }
    }
  }
  return out;
}

Status AwsChunkedParser::VerifyTrailingChecksum() {
  if (!trailing_checksum_) return Ok();
  std::string_view header = ChecksumHeaderName(*trailing_checksum_);
  auto it = std::find_if(trailers_.begin(), trailers_.end(),
                         [&](const auto& t) { return t.first == header; });
  if (it == trailers_.end()) {
    return Fail(Malformed("x-amz-trailer announced " + std::string(header) +
                          " but no such trailing header was sent"));
  }
  std::string computed = Base64Encode(checksummer_->Final());
  if (computed != it->second) {
    return Fail(AwsError(ErrorCode::BadDigest,
                         "The " + std::string(ChecksumAlgorithmName(*trailing_checksum_)) +
                             " you specified did not match the calculated checksum."));
  }
  return Ok();
}

Status AwsChunkedParser::Finish() {
  // A body may end right after the trailing headers, without the blank line.
  if (state_ == State::Trailer && line_.empty() && !trailers_.empty() &&
      (!options_.signed_chunks || trailer_signed_)) {
    state_ = State::Done;
  }
  if (state_ == State::FinalCrlf && crlf_seen_ == 0) state_ = State::Done;
  if (state_ != State::Done) {
    return Fail(ErrorCode::IncompleteBody,
                "The request body terminated unexpectedly (aws-chunked encoding incomplete)");
  }
  if (options_.decoded_length && decoded_ != *options_.decoded_length) {
    return Fail(ErrorCode::IncompleteBody,
                "You did not provide the number of bytes specified by the "
                "x-amz-decoded-content-length header");
  }
  return VerifyTrailingChecksum();
}

AwsChunkedBodySource::AwsChunkedBodySource(http::BodySource& raw, AwsChunkedOptions options)
    : raw_(raw), decoded_length_(options.decoded_length), parser_(std::move(options)) {}

Result<size_t> AwsChunkedBodySource::Read(std::span<char> buffer) {
  if (finished_ || buffer.empty()) return size_t{0};
  for (;;) {
    GUREUM_TRY(size_t n, raw_.Read(buffer));
    if (n == 0) {
      finished_ = true;
      GUREUM_RETURN_IF_ERROR(parser_.Finish());
      return size_t{0};
    }
    GUREUM_TRY(size_t produced, parser_.Process(buffer.data(), n));
    if (produced > 0) return produced;
  }
}

}  // namespace gureum::auth
