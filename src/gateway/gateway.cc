#include "gateway/gateway.h"

#include <spdlog/spdlog.h>

#include "gureum/core/ids.h"
#include "gureum/core/logging.h"
#include "gureum/core/time_format.h"

#include "protocol/xml_writer.h"

namespace gureum::gateway {
namespace {

using nlohmann::json;

constexpr uint64_t kAdminBodyLimit = 1024 * 1024;
constexpr uint64_t kSmallStreamedBody = 256 * 1024;

// x-amz-id-2: an opaque token S3 sends with every response; clients only log it.
std::string S3HostId() { return RandomChars(24, kBase62); }

std::string AmzDateMinus(const SystemTime& t, std::chrono::seconds d) {
  return FormatAmzDate(t - d);
}

// Auth failures are reported with each service's own codes (S3: InvalidAccessKeyId;
// EC2: AuthFailure, RequestExpired; Query/JSON: "Signature expired" as SignatureDoesNotMatch).
AwsError AdaptAuthError(std::string_view protocol, AwsError error, SystemTime now,
                        std::chrono::seconds skew) {
  if (protocol == "rest-xml") {
    if (error.Is(ErrorCode::InvalidClientTokenId)) {
      AwsError e(ErrorCode::InvalidAccessKeyId,
                 "The AWS Access Key Id you provided does not exist in our records.");
      for (const auto& [k, v] : error.details()) e.With(k, v);
      return e;
    }
    if (error.Is(ErrorCode::IncompleteSignature)) {
      return AwsError("AuthorizationHeaderMalformed",
                      "The authorization header is malformed; " + error.message(), 400);
    }
    if (error.Is(ErrorCode::SignatureDoesNotMatch) &&
        error.message().starts_with("The request signature we calculated")) {
      // S3 words the mismatch its own way; clients and tests match on it.
      AwsError e(ErrorCode::SignatureDoesNotMatch,
                 "The request signature we calculated does not match the signature you provided. "
                 "Check your key and signing method.");
      for (const auto& [k, v] : error.details()) e.With(k, v);
      return e;
    }
    return error;
  }
  if (protocol == "ec2") {
    if (error.Is(ErrorCode::InvalidClientTokenId)) {
      return AwsError(ErrorCode::AuthFailure,
                      "AWS was not able to validate the provided access credentials");
    }
    if (error.Is(ErrorCode::RequestTimeTooSkewed)) {
      return AwsError("RequestExpired", "Request has expired.", 400);
    }
    if (error.Is(ErrorCode::MissingAuthenticationToken)) {
      return AwsError(ErrorCode::AuthFailure,
                      "AWS was not able to validate the provided access credentials");
    }
    return error;
  }
  if (error.Is(ErrorCode::RequestTimeTooSkewed)) {
    std::string request_time;
    for (const auto& [k, v] : error.details()) {
      if (k == "RequestTime") request_time = v;
    }
    auto signed_at = ParseAmzDate(request_time);
    std::string message =
        signed_at && *signed_at > now
            ? "Signature not yet current: " + request_time + " is still later than " +
                  FormatAmzDate(now + skew) + " (" + FormatAmzDate(now) + " + 15 min.)"
            : "Signature expired: " + request_time + " is now earlier than " +
                  AmzDateMinus(now, skew) + " (" + FormatAmzDate(now) + " - 15 min.)";
    return AwsError(ErrorCode::SignatureDoesNotMatch, message);
  }
  return error;
}

class ServiceExchange final : public http::Exchange {
 public:
  ServiceExchange(Gateway& gateway, http::Request&& request)
      : gateway_(gateway),
        request_(std::move(request)),
        request_id_(NewRequestId()),
        received_at_(gateway.clock().Now()) {}

  http::BodyPlan PlanBody() override {
    if (AdminApi::IsAdminPath(request_.path)) {
      admin_ = true;
      service_name_ = "gureum";
      return {http::BodyMode::Buffer, kAdminBodyLimit};
    }
    route_ = RouteRequest(request_);
    if (route_.service == nullptr && !route_.scope_service.empty()) {
      SetPending(AwsError(ErrorCode::UnknownService,
                          "Gureum does not provide the service '" + route_.scope_service +
                              "' (it serves s3, iam, sts, ec2, rds, monitoring, rds-data)"));
      return {http::BodyMode::Stream, 0};
    }
    if (!route_.unknown_target.empty()) {
      SetPending(AwsError(
          ErrorCode::UnknownService,
          "Gureum does not provide the service of X-Amz-Target '" + route_.unknown_target + "'"));
      return {http::BodyMode::Stream, 0};
    }
    if (route_.service != nullptr) SelectService(route_.service);
    if (model_ != nullptr && IsRest()) {
      rest_path_ = request_.path;
      if (!route_.host.bucket.empty()) {
        rest_path_ = "/" + UriEncode(route_.host.bucket, true) +
                     (request_.path.empty() || request_.path == "/" ? "/" : request_.path);
      }
      // Query parameters are form-decoded: S3 reads "prefix=a+b" as "a b" (SDKs send %20 and
      // %2B; Go's SigV2 signer in rclone sends "+").
      auto query = ParseQueryString(request_.query, true);
      if (!query) {
        SetPending(AwsError(ErrorCode::InvalidArgument, "Malformed query string"));
        return {http::BodyMode::Stream, 0};
      }
      rest_query_ = std::move(*query);
      ResolveOperation();
      if (spec_ != nullptr && spec_->streaming_body) {
        // Small bodies of known length are read before the handler runs: one socket read
        // instead of a worker/strand round trip per chunk. Large ones stream.
        if (request_.content_length && *request_.content_length <= kSmallStreamedBody) {
          return {http::BodyMode::Buffer, *request_.content_length};
        }
        body_streamed_ = true;
        return {http::BodyMode::Stream, 0};
      }
    }
    return {http::BodyMode::Buffer, gateway_.options().max_buffered_body};
  }

  http::RunOn Prepare(std::string body) override {
    body_ = std::move(body);
    // Admin work (a reset of every service) may take long; its reads are short.
    if (admin_) return AdminApi::Blocks(request_) ? http::RunOn::LongWorker : http::RunOn::IoThread;
    if (pending_) return http::RunOn::IoThread;
    if (model_ == nullptr || !IsRest()) {
      // Query protocols: parameters from the query string and a form body, merged.
      auto params = ParseQueryString(request_.query, false);
      std::string_view type = request_.headers.GetOr("Content-Type", "");
      if (params && StartsWith(ToLower(type), "application/x-www-form-urlencoded")) {
        auto form = ParseQueryString(body_, true);
        if (form) {
          params->insert(params->end(), form->begin(), form->end());
        } else {
          params.reset();
        }
      }
      if (!params) {
        SetPending(AwsError(ErrorCode::MalformedQueryString,
                            "The request's query string or form body is not valid "
                            "percent-encoding"));
        return http::RunOn::IoThread;
      }
      params_ = std::move(*params);
      if (model_ == nullptr) {
        const ServiceInfo* service = ServiceForAction(params_);
        if (service == nullptr) {
          auto action = FindParam(params_, "Action");
          SetPending(
              action ? AwsError(ErrorCode::InvalidAction,
                                "Could not find operation " + std::string(*action))
                     : AwsError(ErrorCode::MissingAction, "Request is missing Action parameter"));
          return http::RunOn::IoThread;
        }
        SelectService(service);
        if (model_ == nullptr) return http::RunOn::IoThread;
      }
      ResolveOperation();
    }
    if (pending_) return http::RunOn::IoThread;
    bool inline_ok = spec_ != nullptr && spec_->non_blocking &&
                     gateway_.authenticator().CanAuthenticateWithoutBlocking(request_);
    if (inline_ok) return http::RunOn::IoThread;
    return spec_ != nullptr && spec_->long_running ? http::RunOn::LongWorker : http::RunOn::Worker;
  }

  http::Response Run(http::BodySource& raw_body) override {
    http::Response response;
    try {
      response = admin_ ? gateway_.admin().Handle(request_, body_) : Serve(raw_body);
      if (!admin_ && !service_name_.empty()) {
        const service::ServiceModule* module = gateway_.registry().Find(service_name_);
        if (module != nullptr && module->decorate) {
          module->decorate(request_, IsRest() ? rest_path_ : request_.path, response);
        }
      }
    } catch (const std::exception& e) {
      spdlog::error("request {} ({} {}): unhandled exception: {}", request_id_, service_name_,
                    operation_name_, e.what());
      response = RenderError(AwsError(ErrorCode::InternalError,
                                      "We encountered an internal error. Please try again."));
    }
    Decorate(response);
    return response;
  }

  http::Response Fail(const AwsError& error) override {
    http::Response response = RenderError(error);
    Decorate(response);
    return response;
  }

  void Complete(const http::Completion& c) override {
    std::string operation = operation_name_.empty() ? "-" : operation_name_;
    std::string service = service_name_.empty() ? "-" : service_name_;
    gateway_.metrics().RecordRequest(service, operation, c.status, c.latency, c.bytes_in,
                                     c.bytes_out);
    if (!gateway_.options().access_log) return;
    double ms = std::chrono::duration<double, std::milli>(c.latency).count();
    std::string principal = principal_.empty() ? "anonymous" : principal_;
    if (gateway_.options().json_logs) {
      json line = {{"type", "access"},          {"request_id", request_id_},
                   {"service", service},        {"operation", operation},
                   {"status", c.status},        {"bytes_in", c.bytes_in},
                   {"bytes_out", c.bytes_out},  {"latency_ms", ms},
                   {"principal", principal},    {"source", request_.remote_address},
                   {"method", request_.method}, {"path", request_.path},
                   {"aborted", c.aborted}};
      if (!error_code_.empty()) line["error"] = error_code_;
      // The path is client bytes and need not be UTF-8: replace invalid sequences instead of
      // letting dump() throw (which lost the line and reset the connection).
      AccessLog().info("{}", line.dump(-1, ' ', false, json::error_handler_t::replace));
    } else {
      AccessLog().info("{} {}.{} {} {:.3f}ms in={} out={} principal={} src={} {} {}{}{}",
                       request_id_, service, operation, c.status, ms, c.bytes_in, c.bytes_out,
                       principal, request_.remote_address, request_.method, request_.path,
                       error_code_.empty() ? "" : " error=" + error_code_,
                       c.aborted ? " aborted" : "");
    }
  }

 private:
  bool IsRest() const {
    return model_ != nullptr && (model_->protocol() == protocol::Protocol::RestXml ||
                                 model_->protocol() == protocol::Protocol::RestJson);
  }

  void SelectService(const ServiceInfo* service) {
    service_ = service;
    service_name_ = std::string(service->model_key);
    model_ = protocol::ModelRegistry::Instance().Get(service->model_key);
    if (model_ == nullptr) {
      SetPending(
          AwsError(ErrorCode::InternalError, "no AWS model for " + service_name_ + " is embedded"));
      return;
    }
    codec_ = &gateway_.CodecFor(*model_);
  }

  protocol::WireRequest Wire() const {
    protocol::WireRequest wire;
    wire.http = &request_;
    wire.path = IsRest() ? std::string_view(rest_path_) : std::string_view(request_.path);
    wire.body = body_;
    wire.params = &params_;
    wire.query = &rest_query_;
    return wire;
  }

  void ResolveOperation() {
    // Requests outside the model (CORS preflights, form uploads, website endpoints) go to the
    // module's own operations.
    if (const service::ServiceModule* module = gateway_.registry().Find(service_name_);
        module != nullptr && module->synthetic) {
      if (auto name = module->synthetic(request_, route_.host.website)) {
        spec_ = gateway_.registry().FindOperation(service_name_, *name);
        operation_name_ = *name;
        synthetic_ = true;
        return;
      }
    }
    auto op = codec_->Resolve(Wire());
    if (!op) {
      SetPending(op.error());
      return;
    }
    op_ = *op;
    operation_name_ = op_->name;
    spec_ = gateway_.registry().FindOperation(service_name_, op_->name);
  }

  void SetPending(AwsError error) {
    if (!pending_) pending_ = std::move(error);
  }

  http::Response Serve(http::BodySource& raw_body) {
    if (pending_) return RenderError(*pending_);

    auth::AuthRequest auth_request;
    auth_request.request = &request_;
    auth_request.s3 = service_name_ == "s3";
    bool streaming = body_streamed_;
    auth_request.buffered_body = streaming ? nullptr : &body_;
    auth_request.now = gateway_.clock().Now();
    auth_request.s3_resource_path = rest_path_;
    auto auth = gateway_.authenticator().Authenticate(auth_request);
    if (!auth) {
      return RenderError(AdaptAuthError(service_->protocol, auth.error(), auth_request.real_now,
                                        gateway_.options().max_clock_skew));
    }
    principal_ = auth->principal.arn;
    bool anonymous = auth->principal.type == auth::PrincipalType::Anonymous;
    if (anonymous && service_name_ != "s3" && (spec_ == nullptr || !spec_->allow_anonymous)) {
      return RenderError(AdaptAuthError(service_->protocol,
                                        AwsError(ErrorCode::MissingAuthenticationToken,
                                                 "Request is missing Authentication Token"),
                                        auth_request.now, gateway_.options().max_clock_skew));
    }
    if (spec_ == nullptr) {
      return RenderError(
          AwsError(ErrorCode::NotImplemented,
                   "Gureum does not implement " + service_name_ + ":" + operation_name_ + " yet")
              .With("Operation", operation_name_));
    }

    auto input = synthetic_ ? SyntheticInput() : codec_->DecodeInput(*op_, Wire());
    if (!input) return RenderError(input.error());

    service::RequestContext context;
    context.request_id = request_id_;
    context.service = service_name_;
    context.operation = operation_name_;
    context.region = auth->region.empty() ? gateway_.options().default_region : auth->region;
    context.principal = std::move(auth->principal);
    context.source_ip = request_.remote_address;
    context.user_agent = std::string(request_.headers.GetOr("User-Agent", ""));
    context.now = received_at_;
    context.clock = &gateway_.clock();
    context.request = &request_;
    context.host = std::string(request_.headers.GetOr("Host", ""));
    if (!streaming) context.body = body_;

    if (spec_->handler) {
      auto output = spec_->handler(context, *input);
      if (!output) return RenderError(output.error());
      protocol::ResponseContext response_context = ResponseContext();
      response_context.xml_root = spec_->xml_root;
      return codec_->EncodeOutput(*op_, *output, response_context);
    }
    http::StringBodySource buffered(body_);
    http::BodySource& source = streaming ? raw_body : buffered;
    auto wrapped = gateway_.authenticator().WrapBody(source, *auth, request_);
    auto result = spec_->raw_handler(context, *input, request_, wrapped ? *wrapped : source);
    if (!result) return RenderError(result.error());
    return std::move(*result);
  }

  // {"Bucket", "Key"} from a REST path, for operations the model does not describe.
  Result<nlohmann::json> SyntheticInput() const {
    std::string_view path = rest_path_;
    if (!path.empty() && path.front() == '/') path.remove_prefix(1);
    size_t slash = path.find('/');
    auto bucket = PercentDecode(path.substr(0, slash), false);
    auto key = PercentDecode(slash == std::string_view::npos ? "" : path.substr(slash + 1), false);
    if (!bucket || !key) return gureum::Fail(ErrorCode::InvalidRequest, "Malformed request path");
    nlohmann::json input = nlohmann::json::object();
    if (!bucket->empty()) input["Bucket"] = *bucket;
    if (!key->empty()) input["Key"] = *key;
    return input;
  }

  protocol::ResponseContext ResponseContext() const {
    protocol::ResponseContext context;
    context.request_id = request_id_;
    context.head = request_.method == "HEAD";
    return context;
  }

  http::Response RenderError(const AwsError& error) {
    error_code_ = error.code();
    if (error.http_status() >= 500 || error.Is(ErrorCode::InternalError)) {
      spdlog::warn("request {}: {} {}", request_id_, error.code(), error.message());
    }
    if (codec_ != nullptr) {
      protocol::ResponseContext context = ResponseContext();
      context.resource = request_.path;
      return codec_->EncodeError(error, context);
    }
    return GenericErrorResponse(error, request_id_, request_.headers.Has("X-Amz-Target"));
  }

  void Decorate(http::Response& response) {
    response.headers.Add("x-amzn-RequestId", request_id_);
    response.headers.Add("x-amz-request-id", request_id_);
    if (service_name_ == "s3") response.headers.Add("x-amz-id-2", S3HostId());
    response.headers.Add("Date", FormatHttpDate(gateway_.clock().Now()));
    response.headers.Add("Server", "Gureum");
    if (request_.method == "HEAD" && !response.stream) {
      response.head_only = true;
      if (!response.content_length_override) {
        response.content_length_override = response.body.size();
      }
    }
  }

  Gateway& gateway_;
  http::Request request_;
  std::string request_id_;
  Clock::TimePoint received_at_;
  bool admin_ = false;
  Route route_;
  const ServiceInfo* service_ = nullptr;
  std::string service_name_;
  std::string operation_name_;
  const protocol::ServiceModel* model_ = nullptr;
  const protocol::Codec* codec_ = nullptr;
  const protocol::Operation* op_ = nullptr;
  const service::OperationSpec* spec_ = nullptr;
  bool synthetic_ = false;
  bool body_streamed_ = false;  // the handler reads the body from the socket
  std::string rest_path_;
  QueryParams rest_query_;
  QueryParams params_;
  std::string body_;
  std::optional<AwsError> pending_;
  std::string principal_;
  std::string error_code_;
};

}  // namespace

Gateway::Gateway(GatewayOptions options, const service::ServiceRegistry& registry,
                 auth::Authenticator& authenticator, Clock& clock, Metrics& metrics,
                 AdminApi& admin)
    : options_(std::move(options)),
      registry_(registry),
      authenticator_(authenticator),
      clock_(clock),
      metrics_(metrics),
      admin_(admin) {}

std::unique_ptr<http::Exchange> Gateway::Begin(http::Request&& request) {
  return std::make_unique<ServiceExchange>(*this, std::move(request));
}

http::Response Gateway::Reject(const AwsError& error) {
  std::string request_id = NewRequestId();
  http::Response response = GenericErrorResponse(error, request_id, false);
  response.headers.Add("x-amzn-RequestId", request_id);
  response.headers.Add("x-amz-request-id", request_id);
  response.headers.Add("Date", FormatHttpDate(clock_.Now()));
  response.headers.Add("Connection", "close");
  metrics_.RecordRequest("-", "-", response.status, std::chrono::nanoseconds(0), 0,
                         response.body.size());
  spdlog::info("{} -.- {} rejected: {}", request_id, response.status, error.message());
  return response;
}

const protocol::Codec& Gateway::CodecFor(const protocol::ServiceModel& model) {
  std::lock_guard lock(codecs_mu_);
  auto& codec = codecs_[&model];
  if (!codec) codec = protocol::MakeCodec(model);
  return *codec;
}

http::Response GenericErrorResponse(const AwsError& error, const std::string& request_id,
                                    bool json_body) {
  http::Response response;
  response.status = error.http_status() != 0 ? error.http_status() : 400;
  if (json_body) {
    response.headers.Add("Content-Type", "application/x-amz-json-1.1");
    response.headers.Add("x-amzn-ErrorType", error.code());
    // Messages may quote client bytes; never let invalid UTF-8 throw.
    response.body = json{{"__type", error.code()}, {"message", error.message()}}.dump(
        -1, ' ', false, json::error_handler_t::replace);
    return response;
  }
  protocol::XmlWriter w;
  w.Open("ErrorResponse");
  w.Open("Error");
  w.Element("Type", error.sender_fault() ? "Sender" : "Receiver");
  w.Element("Code", error.code());
  w.Element("Message", error.message());
  w.Close("Error");
  w.Element("RequestId", request_id);
  w.Close("ErrorResponse");
  response.headers.Add("Content-Type", "text/xml");
  response.body = w.Take();
  return response;
}

}  // namespace gureum::gateway
