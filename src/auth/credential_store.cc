#include "gureum/auth/credential_store.h"

namespace gureum::auth {
namespace {

// Unknown keys are remembered briefly so a client retrying a bad key does not hit SQLite each
// time, yet a key added by `gureum accounts add` in another process is seen within seconds.
constexpr auto kNegativeTtl = std::chrono::seconds(2);
constexpr size_t kMaxCacheEntries = 100'000;

}  // namespace

void CredentialStore::AddProvider(std::shared_ptr<CredentialProvider> provider) {
  std::unique_lock lock(mu_);
  providers_.push_back(std::move(provider));
}

std::optional<Credential> CredentialStore::FindCached(std::string_view access_key_id) const {
  std::shared_lock lock(mu_);
  auto it = cache_.find(std::string(access_key_id));
  if (it == cache_.end() || !it->second.credential) return std::nullopt;
  return it->second.credential;
}

std::optional<Credential> CredentialStore::Find(std::string_view access_key_id) {
  std::vector<std::shared_ptr<CredentialProvider>> providers;
  {
    std::shared_lock lock(mu_);
    auto it = cache_.find(std::string(access_key_id));
    if (it != cache_.end()) {
      if (it->second.credential) return it->second.credential;
      if (std::chrono::steady_clock::now() - it->second.cached_at < kNegativeTtl) {
        return std::nullopt;
      }
    }
    providers = providers_;
  }
  std::optional<Credential> found;
  for (auto& provider : providers) {
    found = provider->Lookup(access_key_id);
    if (found) break;
  }
  std::unique_lock lock(mu_);
  if (cache_.size() >= kMaxCacheEntries) cache_.clear();
  cache_[std::string(access_key_id)] = Entry{found, std::chrono::steady_clock::now()};
  return found;
}

void CredentialStore::Invalidate(std::string_view access_key_id) {
  std::unique_lock lock(mu_);
  cache_.erase(std::string(access_key_id));
}

void CredentialStore::InvalidateAll() {
  std::unique_lock lock(mu_);
  cache_.clear();
}

}  // namespace gureum::auth
