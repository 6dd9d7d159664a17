#include "sts/sts_service.h"

namespace gureum::sts {

Result<nlohmann::json> GetCallerIdentity(const service::RequestContext& context,
                                         const nlohmann::json&) {
  // AWS answers this for any valid credentials, whatever the policies say.
  const auth::Principal& p = context.principal;
  return nlohmann::json{{"UserId", p.user_id}, {"Account", p.account_id}, {"Arn", p.arn}};
}

void RegisterSts(service::ServiceRegistry& registry) {
  service::ServiceModule module;
  module.model_key = "sts";
  service::OperationSpec get_caller_identity;
  get_caller_identity.name = "GetCallerIdentity";
  get_caller_identity.handler = GetCallerIdentity;
  get_caller_identity.non_blocking = true;
  module.operations.push_back(std::move(get_caller_identity));
  registry.Register(std::move(module));
}

}  // namespace gureum::sts
