// Template expansion of alert labels and annotations for rule unit tests:
// binds rules::ExpandFunc to template/ (ward::tmpl::ExpandAlertText) with
// the test group's external labels and URL ($externalLabels,
// $externalURL) and a `query` function running on the test's engine and
// storage at the evaluation time, as promtool's rule manager does.
// Thread safety: the returned function is immutable and thread-safe when
// the engine and queryable are.
#pragma once

#include <string>

#include "model/labels/labels.h"
#include "promql/engine.h"
#include "rules/rule.h"
#include "storage/interface.h"

namespace ward::rules::unittest {

// `engine` and `queryable` (for the `query` template function) may be null
// (then `query` fails); when set they must outlive the function.
rules::ExpandFunc MakeExpandFunc(labels::Labels external_labels, std::string external_url,
                                 promql::Engine* engine, storage::Queryable* queryable);

}  // namespace ward::rules::unittest
