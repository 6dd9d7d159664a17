#pragma once
// Policy variables: ${aws:username}, ${aws:PrincipalTag/team}, ${s3:prefix} and so on, replaced
// by the request context's value in Resource/NotResource and in String/Arn condition values.
// Only policies with Version "2012-10-17" have variables; in older ones "${...}" is plain text.

#include <optional>
#include <string_view>

#include "iam/request.h"
#include "iam/wildcard.h"

namespace gureum::iam {

// Substitutes every ${key} or ${key, 'default'} in `text`. ${*}, ${?} and ${$} stand for the
// literal characters. Substituted text is literal: a `*` inside a value is never a wildcard.
// Returns nullopt when a key is absent from the context (or multivalued) and has no default:
// AWS then treats the element as not matching.
std::optional<Glob> SubstituteVariables(std::string_view text, const Context& context,
                                        bool enabled);

}  // namespace gureum::iam
