#pragma once
// IAM users' access keys as credentials: the provider the authenticator asks for AKIA... keys,
// and the record of each key's last use.

#include <memory>

#include "iam/service/iam_store.h"

namespace gureum::iam::api {

// Resolves users' access keys (Inactive ones come back with active = false, which the
// authenticator refuses as InvalidClientTokenId).
std::shared_ptr<auth::CredentialProvider> UserKeyProvider(catalog::Catalog& catalog);

// Notes that the caller's user key was used for `service` in the request's region.
void RecordLastUsed(IamState& s, const service::RequestContext& c, std::string_view service);

}  // namespace gureum::iam::api
