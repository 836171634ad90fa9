// Alert template expansion as Prometheus's alerting rules do it
// (rules/alerting.go): the label or annotation text is prefixed with
// "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}
// {{$externalURL := .ExternalURL}}{{$value := .Value}}" (no separators),
// parsed as template "__alert_<AlertName>" and executed over the alert data.
// Called by rules for every firing alert; by `wardtool check rules` through
// CheckSyntax. Thread-safe (no shared mutable state).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "model/labels/labels.h"
#include "template/template.h"
#include "util/status.h"

namespace ward::tmpl {

// The text Prometheus prepends to every alert label/annotation template.
inline constexpr std::string_view kAlertTemplateDefs =
    "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}"
    "{{$value := .Value}}";

struct AlertData {
  const labels::Labels* labels = nullptr;           // the alert's labels ($labels); nullptr = empty
  double value = 0;                                 // $value
  const labels::Labels* external_labels = nullptr;  // $externalLabels; nullptr = empty
  std::string_view external_url;                    // $externalURL
  int64_t ts_ms = 0;                                // evaluation time (query time, now)
};

// The template data Prometheus builds (template.AlertTemplateData): a struct
// {Labels, ExternalLabels, ExternalURL, Value}.
Value AlertTemplateData(const labels::Labels* labels, const labels::Labels* external_labels,
                        std::string_view external_url, double value);

// Returns the expanded text, or "<error expanding template: ...>" on a parse
// or execution error, with Prometheus's wording ("error parsing template
// NAME: template: NAME:1: ..." / "error executing template NAME: ...").
// Texts without "{{" are returned unchanged without parsing; parse results
// of other texts are cached per thread (bounded), which changes no output.
std::string ExpandAlertText(std::string_view template_name, std::string_view text,
                            const AlertData& d, const QueryFunc& query);

// Syntax check only, as promtool does for alerting rules: parses the text
// with the alert definitions prepended. OK, or InvalidArgument with Go's
// parse error, e.g. `template: __alert_X:1: function "foo" not defined`.
Status CheckSyntax(std::string_view name, std::string_view text);

}  // namespace ward::tmpl
