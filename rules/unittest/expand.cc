// Alert template expansion for rule unit tests (see expand.h).
#include "rules/unittest/expand.h"

#include <variant>

#include "template/expand.h"

namespace ward::rules::unittest {

rules::ExpandFunc MakeExpandFunc(labels::Labels external_labels, std::string external_url,
                                 promql::Engine* engine, storage::Queryable* queryable) {
  return [ext = std::move(external_labels), url = std::move(external_url), engine, queryable](
             std::string_view name, std::string_view text, const labels::Labels& ls, double value,
             int64_t ts_ms) -> std::string {
    tmpl::QueryFunc query = [&](std::string_view q) -> Result<std::vector<tmpl::QuerySample>> {
      if (engine == nullptr || queryable == nullptr) {
        return Status::Unavailable("no query engine");
      }
      WARD_ASSIGN_OR_RETURN(promql::QueryResult res, engine->InstantQuery(*queryable, q, ts_ms));
      std::vector<tmpl::QuerySample> out;
      if (auto* v = std::get_if<promql::Vector>(&res.value)) {
        out.reserve(v->size());
        for (const promql::Sample& s : *v) out.push_back({s.metric, s.f});
      } else if (auto* s = std::get_if<promql::Scalar>(&res.value)) {
        out.push_back({labels::Labels(), s->v});
      } else {
        return Status::InvalidArgument("rule result is not a vector or scalar");
      }
      return out;
    };
    tmpl::AlertData d;
    d.labels = &ls;
    d.value = value;
    d.external_labels = &ext;
    d.external_url = url;
    d.ts_ms = ts_ms;
    return tmpl::ExpandAlertText("__alert_" + std::string(name), text, d, query);
  };
}

}  // namespace ward::rules::unittest
