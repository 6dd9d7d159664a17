#pragma once
// AWS Security Token Service. GetCallerIdentity answers who signed the request; the rest of
// STS (AssumeRole, GetSessionToken, ...) arrives with the IAM module.

#include "gureum/service/service.h"

namespace gureum::sts {

void RegisterSts(service::ServiceRegistry& registry);

// GetCallerIdentity: the signer's account, ARN and unique id.
Result<nlohmann::json> GetCallerIdentity(const service::RequestContext& context,
                                         const nlohmann::json& input);

}  // namespace gureum::sts
