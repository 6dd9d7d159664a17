#pragma once
// The IAM API served from the catalog: users, access keys, groups, managed and inline
// policies, roles. RegisterIam creates the module's tables and adds the operations; the
// returned provider makes users' access keys authenticate.

#include <memory>

#include "gureum/auth/credential_store.h"
#include "gureum/catalog/catalog.h"
#include "gureum/core/error.h"
#include "gureum/service/service.h"

namespace gureum::iam {

// Migrates the IAM tables and registers the "iam" module. `catalog` and `credentials` must
// outlive the registry. Returns the provider of IAM users' keys, for the credential store.
Result<std::shared_ptr<auth::CredentialProvider>> RegisterIam(service::ServiceRegistry& registry,
                                                              catalog::Catalog& catalog,
                                                              auth::CredentialStore& credentials);

}  // namespace gureum::iam
