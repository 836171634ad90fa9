// Go's fmt and strconv behaviour for template values: how {{ . }}, print,
// printf and the humanize functions render numbers, strings, maps, times and
// durations, byte for byte as a Go program would. Used by the executor and
// the Prometheus functions. Pure functions; thread-safe.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "template/value.h"
#include "util/result.h"

namespace ward::tmpl::gofmt {

// Appends v formatted as fmt's %v (what {{ . }} prints for a non-nil value).
void AppendValue(std::string* out, const Value& v);
// Appends v as text/template prints an action's value: like %v, but a
// pointer to a struct is dereferenced first ({...} rather than &{...}).
void AppendPrintable(std::string* out, const Value& v);
// fmt.Sprint / fmt.Sprintln / fmt.Sprintf over template values.
std::string Sprint(std::span<const Value> args);
std::string Sprintln(std::span<const Value> args);
std::string Sprintf(std::string_view format, std::span<const Value> args);

// strconv.FormatFloat(f, 'g', -1, 64): shortest form, e.g. 1, 0.5, 1e+06.
void AppendFloatShortest(std::string* out, double f);
// fmt's %.<prec><verb> for verb in e, f, g (prec >= 0), with Go's +Inf/NaN.
std::string FormatFloat(double f, char verb, int prec);
// strconv.Quote (Go escapes, printable Unicode kept).
void AppendQuote(std::string* out, std::string_view s);
// strconv.CanBackquote.
bool CanBackquote(std::string_view s);
// strconv.ParseFloat(s, 64); errors read as Go's
// (`strconv.ParseFloat: parsing "x": invalid syntax`).
Result<double> ParseFloat(std::string_view s);
// time.Time.String() of a UTC time: "2015-06-23 13:19:44.128 +0000 UTC".
std::string TimeString(TimeValue t);
// time.Duration.String(): "1h0m0s", "1.5s", "100ms", "0s".
std::string DurationString(int64_t ns);
// url.QueryEscape.
std::string QueryEscape(std::string_view s);
// Decodes one UTF-8 rune at s[i]; returns the rune (0xFFFD when invalid) and
// sets *width (1 for an invalid byte, 0 at the end).
int32_t DecodeRune(std::string_view s, size_t i, int* width);
void AppendRune(std::string* out, int32_t r);
// strconv.IsPrint (approximate outside Latin-1: format and space characters
// are not printable, other assigned runes are).
bool IsPrintRune(int32_t r);

}  // namespace ward::tmpl::gofmt
