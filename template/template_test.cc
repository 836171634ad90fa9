// Table tests for the template engine: Go text/template behaviour (printing,
// pipelines, control flow, builtins, printf, error texts) and Prometheus's
// template functions with the outputs Prometheus produces. Expected values
// were derived from the Go and Prometheus documentation and test behaviour.
#include "template/template.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "template/expand.h"

namespace ward::tmpl {
namespace {

Value F(double f) { return Value::Float(f); }
Value I(int64_t i) { return Value::Int(i); }
Value S(std::string s) { return Value::String(std::move(s)); }
Value L(std::vector<Value> v) { return MakeList(std::move(v)); }
Value M(std::vector<std::pair<std::string, Value>> items) {
  return MakeMap(std::move(items), false);
}
Value SM(std::vector<std::pair<std::string, Value>> items) {
  return MakeMap(std::move(items), true);
}

std::vector<QuerySample> MetricAB() {
  return {{labels::Labels{{"__name__", "metric"}, {"instance", "b"}}, 21},
          {labels::Labels{{"__name__", "metric"}, {"instance", "a"}}, 11}};
}
std::vector<QuerySample> MetricA() {
  return {{labels::Labels{{"__name__", "metric"}, {"instance", "a"}}, 11}};
}

struct Case {
  std::string text;
  Value data;
  std::string want;  // output, or the full error text when err is set
  bool err = false;
  std::vector<QuerySample> query_result = {};
};

// Data used by many cases.
Value Common() {
  return M({{"a", S("b")},
            {"m", SM({{"x", S("y")}})},
            {"list", L({I(1), I(2), I(3)})},
            {"empty", L({})},
            {"items", L({SM({{"name", S("first")}}), SM({{"name", S("second")}})})},
            {"sm", SM({{"b", S("2")}, {"a", S("1")}})}});
}

std::string RunCase(const Case& c, int64_t ts_ms = 1500) {
  QueryFunc q = [&c](std::string_view query) -> Result<std::vector<QuerySample>> {
    if (query == "fail") return Status::Execution("bad query");
    if (query == "missing") return std::vector<QuerySample>{};
    return c.query_result;
  };
  auto t = Template::Parse("test", c.text);
  if (!t.ok()) return "ERR:" + std::string(t.status().message());
  FuncEnv env;
  env.query = &q;
  env.ts_ms = ts_ms;
  env.external_url = "http://testhost:9090/path/prefix";
  std::string out;
  Status st = t->Execute(c.data, env, &out);
  if (!st.ok()) return "ERR:" + std::string(st.message());
  return out;
}

const double kInf = std::numeric_limits<double>::infinity();

std::vector<Case> Cases() {
  Value common = Common();
  std::vector<Case> cs = {
      // Text and literals.
      {"plain text", Value(), "plain text"},
      {"", Value(), ""},
      {"{{ 1 }}", Value(), "1"},
      {"{{ 1.5 }}", Value(), "1.5"},
      {"{{ 1e6 }}", Value(), "1e+06"},
      {"{{ 0x10 }}", Value(), "16"},
      {"{{ 'a' }}", Value(), "97"},
      {"{{ '\\n' }}", Value(), "10"},
      {"{{ -3 }}", Value(), "-3"},
      {"{{ 1_000 }}", Value(), "1000"},
      {"{{ 017 }}", Value(), "15"},
      {"{{ 0b101 }}", Value(), "5"},
      {"{{ .5 }}", Value(), "0.5"},
      {"{{ 100000.0 }}", Value(), "100000"},
      {"{{ 1234567.0 }}", Value(), "1.234567e+06"},
      {"{{ 0.00001 }}", Value(), "1e-05"},
      {"{{ 0.0001 }}", Value(), "0.0001"},
      {"{{ true }} {{ false }}", Value(), "true false"},
      {"{{ \"a\\tb\" }}", Value(), "a\tb"},
      {"{{ `raw\\n` }}", Value(), "raw\\n"},
      {"{{ \"\\u00e9\\x41\\101\" }}", Value(),
       "\xc3\xa9"
       "AA"},
      {"{{ \"<b>\" }}", Value(), "<b>"},
      // Comments and trim markers.
      {"{{/* comment */}}x", Value(), "x"},
      {"a {{- /* c */ -}} b", Value(), "ab"},
      {"a  \n{{- 1 -}}\n  b", Value(), "a1b"},
      {"a {{-1}} b", Value(), "a -1 b"},
      {"{{ 1 -}} {{- 2 }}", Value(), "12"},
      // Dot and nil.
      {"{{ . }}", Value(), "<no value>"},
      {"{{ .foo }}", Value(), "<no value>"},
      {"{{ nil }}", Value(),
       "template: test:1:3: executing \"test\" at <nil>: nil is not a command", true},
      // Go %v printing of values.
      {"{{ . }}", F(0.5), "0.5"},
      {"{{ . }}", F(1e21), "1e+21"},
      {"{{ . }}", F(123456), "123456"},
      {"{{ . }}", F(std::nan("")), "NaN"},
      {"{{ . }}", F(kInf), "+Inf"},
      {"{{ . }}", F(-kInf), "-Inf"},
      {"{{ . }}", F(1), "1"},
      {"{{ . }}", M({{"b", S("x")}, {"a", I(1)}}), "map[a:1 b:x]"},
      {"{{ .list }}", common, "[1 2 3]"},
      // Variables.
      {"{{ $x := 1 }}{{ $x }}", Value(), "1"},
      {"{{ $x := 1 }}{{ $x = 2 }}{{ $x }}", Value(), "2"},
      {"{{ $x := 1 }}{{ if true }}{{ $x := 2 }}{{ $x }}{{ end }}{{ $x }}", Value(), "21"},
      {"{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}", Value(), "2"},
      {"{{ $.a }}", common, "b"},
      {"{{ $y }}", Value(), "template: test:1: undefined variable \"$y\"", true},
      {"{{ with $x := 5 }}{{ $x }}{{ end }}", Value(), "5"},
      // Fields and maps.
      {"{{ .a }}", common, "b"},
      {"{{ .m.x }}", common, "y"},
      {"{{ .m.missing }}", common, ""},
      {"{{ .nokey }}", common, "<no value>"},
      {"{{ .m.x.y }}", common,
       "template: test:1:5: executing \"test\" at <.m.x.y>: can't evaluate field y in type string",
       true},
      {"{{ .a 1 }}", common,
       "template: test:1:3: executing \"test\" at <.a>: a is not a method but has arguments", true},
      {"{{ (index .items 1).name }}", common, "second"},
      {"{{ (1).x }}", Value(),
       "template: test:1:4: executing \"test\" at <1>: can't evaluate field x in type int", true},
      {"{{ nil.x }}", Value(), "template: test:1: unexpected . after term \"nil\"", true},
      // index, len, slice.
      {"{{ index .m \"x\" }}", common, "y"},
      {"{{ index .m \"zz\" }}", common, ""},
      {"{{ index .list 1 }}", common, "2"},
      {"{{ index .list 5 }}", common,
       "template: test:1:3: executing \"test\" at <index .list 5>: error calling index: index out "
       "of range: 5",
       true},
      {"{{ index 1 0 }}", Value(),
       "template: test:1:3: executing \"test\" at <index 1 0>: error calling index: can't index "
       "item of type int",
       true},
      {"{{ len .list }}", common, "3"},
      {"{{ len \"h\xc3\xa9llo\" }}", Value(), "6"},
      {"{{ 3 | len }}", Value(),
       "template: test:1:7: executing \"test\" at <len>: error calling len: len of type int", true},
      {"{{ slice \"abcdef\" 1 3 }}", Value(), "bc"},
      {"{{ slice .list 1 }}", common, "[2 3]"},
      {"{{ slice \"abc\" 2 1 }}", Value(),
       "template: test:1:3: executing \"test\" at <slice \"abc\" 2 1>: error calling slice: "
       "invalid slice index: 2 > 1",
       true},
      // if / else / with.
      {"{{ if true }}a{{ else }}b{{ end }}", Value(), "a"},
      {"{{ if 0 }}a{{ else }}b{{ end }}", Value(), "b"},
      {"{{ if \"\" }}a{{ else if 1 }}c{{ end }}", Value(), "c"},
      {"{{ if .empty }}a{{ else }}b{{ end }}", common, "b"},
      {"{{ if and 1 0 }}a{{ else }}b{{ end }}", Value(), "b"},
      {"{{ or 0 \"\" 3 }}", Value(), "3"},
      {"{{ and 1 2 }}", Value(), "2"},
      {"{{ or 0 .nokey }}", common, "<no value>"},
      {"{{ and 0 (index .list 10) }}", common, "0"},  // short-circuit: index is never called
      {"{{ not 0 }} {{ not \"x\" }}", Value(), "true false"},
      {"{{ with .a }}{{ . }}{{ end }}", common, "b"},
      {"{{ with .m.missing }}x{{ else }}y{{ end }}", common, "y"},
      {"{{ with 0 }}x{{ else with 2 }}{{ . }}{{ end }}", Value(), "2"},
      // range.
      {"{{ range .list }}{{ . }},{{ end }}", common, "1,2,3,"},
      {"{{ range $i, $e := .list }}{{ $i }}={{ $e }} {{ end }}", common, "0=1 1=2 2=3 "},
      {"{{ range $k, $v := .sm }}{{ $k }}:{{ $v }};{{ end }}", common, "a:1;b:2;"},
      {"{{ range .empty }}x{{ else }}none{{ end }}", common, "none"},
      {"{{ range .nokey }}x{{ else }}none{{ end }}", common, "none"},
      {"{{ range 3 }}{{ . }}{{ end }}", Value(), "012"},
      {"{{ range .list }}{{ if eq . 2 }}{{ break }}{{ end }}{{ . }}{{ end }}", common, "1"},
      {"{{ range .list }}{{ if eq . 2 }}{{ continue }}{{ end }}{{ . }}{{ end }}", common, "13"},
      {"{{ range $e := .list }}{{ $e }}{{ end }}", common, "123"},
      {"{{ $n := 0 }}{{ range .list }}{{ $n = . }}{{ end }}{{ $n }}", common, "3"},
      {"{{ range \"ab\" }}{{ end }}", Value(),
       "template: test:1:9: executing \"test\" at <\"ab\">: range can't iterate over ab", true},
      {"{{ break }}", Value(), "template: test:1: {{break}} outside {{range}}", true},
      // define / template / block.
      {"{{ define \"x\" }}X{{ . }}{{ end }}{{ template \"x\" 1 }}", Value(), "X1"},
      {"{{ template \"nope\" }}", Value(),
       "template: test:1:12: executing \"test\" at <{{template \"nope\"}}>: template \"nope\" not "
       "defined",
       true},
      {"{{ block \"b\" . }}default {{ . }}{{ end }}", I(7), "default 7"},
      {"{{define \"x\"}}{{.arg0}} {{.arg1}}{{end}}{{template \"x\" (args 1 \"2\")}}", Value(),
       "1 2"},
      {"{{ define \"a\" }}x{{ end }}{{ define \"a\" }}y{{ end }}", Value(),
       "template: test:1: template: multiple definition of template \"a\"", true},
      {"{{ define \"v\" }}{{ $ }}{{ end }}{{ $x := 1 }}{{ template \"v\" 2 }}", Value(), "2"},
      // Comparisons.
      {"{{ eq 1 1 }} {{ eq \"a\" \"b\" \"a\" }} {{ eq .a \"b\" }}", common, "true true true"},
      {"{{ lt 1 2 }} {{ le 2 2 }} {{ gt 3 2 }} {{ ge \"b\" \"a\" }} {{ ne 1 2 }}", Value(),
       "true true true true true"},
      {"{{ gt 1.5 1 }}", Value(),
       "template: test:1:3: executing \"test\" at <gt 1.5 1>: error calling gt: incompatible types "
       "for comparison",
       true},
      {"{{ lt true false }}", Value(),
       "template: test:1:3: executing \"test\" at <lt true false>: error calling lt: invalid type "
       "for comparison",
       true},
      {"{{ eq .nokey \"x\" }}", common, "false"},
      // print, println, printf.
      {"{{ print 1 2 \"a\" 3 }}", Value(), "1 2a3"},
      {"{{ println 1 \"a\" }}", Value(), "1 a\n"},
      {"{{ printf \"%d-%s\" 5 \"x\" }}", Value(), "5-x"},
      {"{{ printf \"%.2f\" 3.14159 }}", Value(), "3.14"},
      {"{{ printf \"%5.1f|\" 3.14159 }}", Value(), "  3.1|"},
      {"{{ printf \"%-10s|\" \"ab\" }}", Value(), "ab        |"},
      {"{{ printf \"%10s|\" \"ab\" }}", Value(), "        ab|"},
      {"{{ printf \"%q\" \"a\\\"b\" }}", Value(), "\"a\\\"b\""},
      {"{{ printf \"%x %X\" 255 255 }}", Value(), "ff FF"},
      {"{{ printf \"%x\" \"hi\" }}", Value(), "6869"},
      {"{{ printf \"%g %e\" 1234567.0 1234.5678 }}", Value(), "1.234567e+06 1.234568e+03"},
      {"{{ printf \"%v\" .m }}", common, "map[x:y]"},
      {"{{ printf \"%d\" \"x\" }}", Value(), "%!d(string=x)"},
      {"{{ printf \"%d %d\" 1 }}", Value(), "1 %!d(MISSING)"},
      {"{{ printf \"%d\" 1 2 }}", Value(), "1%!(EXTRA int=2)"},
      {"{{ printf \"%05d|%+d|%3d\" 42 5 7 }}", Value(), "00042|+5|  7"},
      {"{{ printf \"%t\" true }}", Value(), "true"},
      {"{{ printf \"%s\" 1.5 }}", Value(), "%!s(float64=1.5)"},
      {"{{ printf \"%v\" nil }}", Value(), "<nil>"},
      {"{{ printf \"%6.2f%%\" 12.3456 }}", Value(), " 12.35%"},
      {"{{ 1.5 | printf \"%.1f\" }}", Value(), "1.5"},
      {"{{ printf \"%c%c\" 72 105 }}", Value(), "Hi"},
      {"{{ printf \"%v %v\" 1e21 0.1 }}", Value(), "1e+21 0.1"},
      {"{{ printf \"%.3s\" \"abcdef\" }}", Value(), "abc"},
      {"{{ printf \"%T %T\" 1 .m }}", common, "int map[string]string"},
      {"{{ printf \"%d\" .sm }}", common,
       "map[%!d(string=a):%!d(string=1) %!d(string=b):%!d(string=2)]"},
      {"{{ printf \"%s|%v|%d\" .nokey .nokey .nokey }}", common, "%!s(<nil>)|<nil>|%!d(<nil>)"},
      {"{{ \"abc\" | printf \"%s-%s\" \"x\" }}", Value(), "x-abc"},
      {"{{ printf \"%08.3f|%+.1e|%x\" -3.14159 12345.678 -255 }}", Value(),
       "-003.142|+1.2e+04|-ff"},
      {"{{ printf \"%#x %#o %b %O\" 255 8 5 8 }}", Value(), "0xff 010 101 0o10"},
      {"{{ printf \"%8.3s|%-5d|%U|%q\" \"abcdef\" 7 0x1F600 'x' }}", Value(),
       "     abc|7    |U+1F600|'x'"},
      {"{{ printf \"%.0f %.0f %g %G\" 2.5 3.5 0.000012345 1e-7 }}", Value(),
       "2 4 1.2345e-05 1E-07"},
      {"{{ printf \"%6.2v|%%|%z\" 3.14159 1 }}", Value(), "   3.1|%|%!z(int=1)"},
      {"{{ printf \"%\" }}", Value(), "%!(NOVERB)"},
      // html, js, urlquery.
      {"{{ html \"<a href='x'>&</a>\" }}", Value(), "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;"},
      {"{{ js \"a'b\\\"<\" }}", Value(), "a\\'b\\\"\\u003C"},
      {"{{ urlquery \"a b&c\" }}", Value(), "a+b%26c"},
      {"{{ html 1 2 }}", Value(), "1 2"},
      // Parse errors.
      {"{{", Value(), "template: test:1: unclosed action", true},
      {"{{ }}", Value(), "template: test:1: missing value for command", true},
      {"{{ foo }}", Value(), "template: test:1: function \"foo\" not defined", true},
      {"{{ end }}", Value(), "template: test:1: unexpected {{end}}", true},
      {"{{ else }}", Value(), "template: test:1: unexpected {{else}}", true},
      {"{{ if true }}", Value(), "template: test:1: unexpected EOF", true},
      {"{{ 1 | 2 }}", Value(), "template: test:1: non executable command in pipeline stage 2",
       true},
      {"{{ \"abc }}", Value(), "template: test:1: unterminated quoted string", true},
      {"{{ 3x }}", Value(), "template: test:1: bad number syntax: \"3x\"", true},
      {"{{ ) }}", Value(), "template: test:1: unexpected right paren", true},
      {"{{ (1 }}", Value(), "template: test:1: unclosed left paren", true},
      {"{{\xc2\xa0}}", Value(), "template: test:1: unrecognized character in action: U+00A0", true},
      {"a\n{{ len\n", Value(), "template: test:3: unclosed action started at test:2", true},
      {"{{ .a}x }}", Value(), "template: test:1: bad character U+007D '}'", true},
      {"{{ \"\\q\" }}", Value(), "template: test:1: invalid syntax", true},
      {"{{/* x */ 1 }}", Value(), "template: test:1: comment ends before closing delimiter", true},
      {"{{ if 1 }}{{ else \"abcdefghijklmnop\" }}{{ end }}", Value(),
       "template: test:1: unexpected \"\\\"abcdefghi\"... in else", true},
      {"{{ if 1 }}{{ else 12 }}{{ end }}", Value(), "template: test:1: unexpected \"12\" in else",
       true},
      {"{{ 1 | }}", Value(), "1"},
      {"{{ $x, $y := 1 }}", Value(), "template: test:1: too many declarations in command", true},
      {"{{ range $a, $b, $c := 1 }}{{ end }}", Value(),
       "template: test:1: too many declarations in range", true},
      // Execution errors.
      {"{{ 1 2 }}", Value(),
       "template: test:1:3: executing \"test\" at <1>: can't give argument to non-function 1",
       true},
      {"{{ toUpper 1 }}", Value(),
       "template: test:1:11: executing \"test\" at <1>: expected string; found 1", true},
      {"{{ 1 | toUpper }}", Value(),
       "template: test:1:7: executing \"test\" at <toUpper>: wrong type for value; expected "
       "string; got int",
       true},
      {"{{ toUpper \"a\" \"b\" }}", Value(),
       "template: test:1:3: executing \"test\" at <toUpper>: wrong number of args for toUpper: "
       "want 1 got 2",
       true},
      {"{{ humanize \"abc\" }}", Value(),
       "template: test:1:3: executing \"test\" at <humanize \"abc\">: error calling humanize: "
       "strconv.ParseFloat: "
       "parsing \"abc\": invalid syntax",
       true},
      {"{{ humanize true }}", Value(),
       "template: test:1:3: executing \"test\" at <humanize true>: error calling humanize: can't "
       "convert bool to float",
       true},
      {"\n\n{{ humanize \"\" }}", Value(),
       "template: test:3:3: executing \"test\" at <humanize \"\">: error calling humanize: "
       "strconv.ParseFloat: parsing "
       "\"\": invalid syntax",
       true},
      {"{{ define \"d\" }}{{ humanize \"x\" }}{{ end }}{{ template \"d\" }}", Value(),
       "template: test:1:19: executing \"d\" at <humanize \"x\">: error calling humanize: "
       "strconv.ParseFloat: "
       "parsing \"x\": invalid syntax",
       true},
      // Prometheus number functions.
      {"{{ range . }}{{ humanize . }}:{{ end }}", L({F(0), F(1), F(1234567), F(.12)}),
       "0:1:1.235M:120m:"},
      {"{{ range . }}{{ humanize1024 . }}:{{ end }}", L({F(0), F(1), F(1048576), F(.12)}),
       "0:1:1Mi:0.12:"},
      {"{{ range . }}{{ humanizeDuration . }}:{{ end }}",
       L({F(0), F(1), F(60), F(3600), F(86400), F(86400 + 3600),
          F(-(86400 * 2 + 3600 * 3 + 60 * 4 + 5)), F(899.99)}),
       "0s:1s:1m 0s:1h 0m 0s:1d 0h 0m 0s:1d 1h 0m 0s:-2d 3h 4m 5s:14m 59s:"},
      {"{{ range . }}{{ humanizeDuration . }}:{{ end }}",
       L({F(.1), F(.0001), F(.12345), F(60.1), F(60.5), F(1.2345), F(12.345)}),
       "100ms:100us:123.5ms:1m 0s:1m 0s:1.234s:12.35s:"},
      {"{{ range . }}{{ humanize . }}:{{ humanize1024 . }}:{{ humanizeDuration . "
       "}}:{{humanizeTimestamp .}}:{{ end }}",
       L({F(kInf), F(-kInf), F(std::nan(""))}),
       "+Inf:+Inf:+Inf:+Inf:-Inf:-Inf:-Inf:-Inf:NaN:NaN:NaN:NaN:"},
      {"{{ -0.22222 | humanizePercentage }}:{{ 0.0 | humanizePercentage }}:{{ 0.1234567 | "
       "humanizePercentage }}:{{ "
       "1.23456 | humanizePercentage }}",
       Value(), "-22.22%:0%:12.35%:123.5%"},
      {"{{ 1435065584.128 | humanizeTimestamp }}", Value(), "2015-06-23 13:19:44.128 +0000 UTC"},
      {"{{ humanizeTimestamp \"1435065584.128\" }}", Value(), "2015-06-23 13:19:44.128 +0000 UTC"},
      {"{{ humanizeTimestamp 0 }}|{{ humanizeTimestamp -1 }}", Value(),
       "1970-01-01 00:00:00 +0000 UTC|1969-12-31 23:59:59 +0000 UTC"},
      {"{{ humanizeTimestamp 1234567 }}", Value(), "1970-01-15 06:56:07 +0000 UTC"},
      {"{{ humanize \"1234\" }} {{ humanize 1234567 }} {{ humanize 0.000001234 }}", Value(),
       "1.234k 1.235M 1.234u"},
      {"{{ humanize1024 \"1024\" }} {{ humanize1024 1073741824.0 }}", Value(), "1ki 1Gi"},
      {"{{ humanizeDuration 3600 }} {{ humanizeDuration \"86400\" }} {{ humanizeDuration 1234567 "
       "}}",
       Value(), "1h 0m 0s 1d 0h 0m 0s 14d 6h 56m 7s"},
      {"{{ humanizePercentage \"0.5\" }}", Value(), "50%"},
      {"{{ humanize \"--1\" }}", Value(),
       "template: test:1:3: executing \"test\" at <humanize \"--1\">: error calling humanize: "
       "strconv.ParseFloat: "
       "parsing \"--1\": invalid syntax",
       true},
      {"{{ humanize \"1e400\" }}", Value(),
       "template: test:1:3: executing \"test\" at <humanize \"1e400\">: error calling humanize: "
       "strconv.ParseFloat: "
       "parsing \"1e400\": value out of range",
       true},
      {"{{ humanize \"+Inf\" }} {{ humanize \"-1.5e3\" }} {{ humanize \"5.\" }}", Value(),
       "+Inf -1.5k 5"},
      {"{{ toTime 1435065584.128 }}", Value(), "2015-06-23 13:19:44.128 +0000 UTC"},
      {"{{ (toTime 1435065584).Unix }}", Value(), "1435065584"},
      {"{{ toDuration 3661.5 }} {{ toDuration 0.0015 }} {{ toDuration 0 }}", Value(),
       "1h1m1.5s 1.5ms 0s"},
      {"{{ (toDuration 90).Seconds }}", Value(), "90"},
      {"{{ now }}", Value(), "1.5"},
      {"{{ parseDuration \"1m1h\" }}", Value(),
       "template: test:1:3: executing \"test\" at <parseDuration \"1m1h\">: error calling "
       "parseDuration: not a valid "
       "duration string: \"1m1h\"",
       true},
      {"{{ parseDuration \"1h30m\" }} {{ parseDuration \"250ms\" }} {{ parseDuration \"0\" }}",
       Value(), "5400 0.25 0"},
      {"{{ parseDuration \"1.5h\" }}", Value(),
       "template: test:1:3: executing \"test\" at <parseDuration \"1.5h\">: error calling "
       "parseDuration: unknown unit "
       "\".\" in duration \"1.5h\"",
       true},
      // Prometheus string functions.
      {"{{ \"aa bb CC\" | title }}", Value(), "Aa Bb CC"},
      {"{{ \"aa bb CC\" | toUpper }}", Value(), "AA BB CC"},
      {"{{ \"aA bB CC\" | toLower }}", Value(), "aa bb cc"},
      {"{{ match \"a+\" \"aa\" }} {{ match \"a+\" \"b\" }} {{ match \"^b\" \"ab\" }}", Value(),
       "true false false"},
      {"{{ match \"(\" \"a\" }}", Value(),
       "template: test:1:3: executing \"test\" at <match \"(\" \"a\">: error calling match: error "
       "parsing regexp: "
       "missing closing ): `(`",
       true},
      {"{{ reReplaceAll \"(a)b\" \"x$1\" \"ab\" }}", Value(), "xa"},
      {"{{ reReplaceAll \"a*\" \"-\" \"baaac\" }}", Value(), "-b-c-"},
      {"{{ reReplaceAll \"(?P<host>[a-z]+):(\\\\d+)\" \"${host}/$2\" \"web:80\" }}", Value(),
       "web/80"},
      {"{{ reReplaceAll \"(a)\" \"$1x\" \"a\" }}", Value(), ""},
      {"{{ reReplaceAll \"(\" \"\" \"a\" }}", Value(),
       "template: test:1:3: executing \"test\" at <reReplaceAll \"(\" \"\" \"a\">: error calling "
       "reReplaceAll: "
       "regexp: Compile(`(`): error parsing regexp: missing closing ): `(`",
       true},
      {"{{ graphLink \"up\" }}", Value(), "/graph?g0.expr=up&g0.tab=0"},
      {"{{ graphLink \"rate(x[5m]) > 0\" }}", Value(),
       "/graph?g0.expr=rate%28x%5B5m%5D%29+%3E+0&g0.tab=0"},
      {"{{ tableLink \"up\" }}", Value(), "/graph?g0.expr=up&g0.tab=1"},
      {"{{ stripPort \"foo.example.com:9090\" }}|{{ stripPort \"[::1]:80\" }}|{{ stripPort "
       "\"noport\" }}",
       Value(), "foo.example.com|::1|noport"},
      {"{{ stripDomain \"foo.example.com:9090\" }}|{{ stripDomain \"foo.example.com\" }}|{{ "
       "stripDomain "
       "\"192.168.0.1:9090\" }}|{{ stripDomain \"[2001:db8::1]:80\" }}",
       Value(), "foo:9090|foo|192.168.0.1:9090|[2001:db8::1]:80"},
      {"{{ \"<b>\" | safeHtml }}", Value(), "<b>"},
      {"{{ externalURL }}|{{ pathPrefix }}", Value(),
       "http://testhost:9090/path/prefix|/path/prefix"},
      {"{{ urlQueryEscape \"a b/c\" }}", Value(), "a+b%2Fc"},
      {"{{ (args 1 \"x\").arg1 }}|{{ (args 1).arg5 }}", Value(), "x|<no value>"},
      // Queries.
      {"{{ query \"1.5\" | first | value }}", Value(), "1.5", false, {{labels::Labels{}, 1.5}}},
      {"{{ query \"metric\" | first | label \"instance\" }}", Value(), "a", false, MetricA()},
      {"{{ query \"metric\" | first | label \"foo\" }}", Value(), "", false, MetricA()},
      {"{{ $x := query \"metric\" | first }}{{ $x.Labels.foo }}", Value(), "", false, MetricA()},
      {"{{ range query \"metric\" | sortByLabel \"instance\" }}{{.Labels.instance}}:{{.Value}}: "
       "{{end}}",
       Value(), "a:11: b:21: ", false, MetricAB()},
      {"{{ query \"missing\" | first }}", Value(),
       "template: test:1:21: executing \"test\" at <first>: error calling first: first() called on "
       "vector with no "
       "elements",
       true},
      {"{{ (query \"missing\").banana }}", Value(),
       "template: test:1:10: executing \"test\" at <\"missing\">: can't evaluate field banana in "
       "type "
       "template.queryResult",
       true},
      {"{{ query \"fail\" }}", Value(),
       "template: test:1:3: executing \"test\" at <query \"fail\">: error calling query: bad query",
       true},
      {"{{ with query \"metric\" }}{{ . | first | value | humanize }}{{ end }}", Value(), "11",
       false, MetricA()},
      {"{{ query \"metric\" | first }}", Value(), "{map[__name__:metric instance:a] 11}", false,
       MetricA()},
      {"{{ len (query \"metric\") }}", Value(), "2", false, MetricAB()},
      {"{{ printf \"%v\" (query \"metric\" | first) }}", Value(),
       "&{map[__name__:metric instance:a] 11}", false, MetricA()},
      {"{{ \"x\" | printf }}", Value(), "x"},
      {"{{ not nil }} {{ eq nil 1 }}", Value(), "true false"},
      {"{{ strvalue (query \"x\" | first) }}",
       Value(),
       "hello",
       false,
       {{labels::Labels{{"__value__", "hello"}}, 0}}},
      {"{{ . | first }}", L({I(1)}),
       "template: test:1:7: executing \"test\" at <first>: wrong type for value; expected "
       "template.queryResult; got "
       "[]interface {}",
       true},
  };
  return cs;
}

TEST(TemplateTest, Table) {
  std::vector<Case> cs = Cases();
  EXPECT_GE(cs.size(), 120u);
  for (const Case& c : cs) {
    std::string got = RunCase(c);
    std::string want = c.err ? "ERR:" + c.want : c.want;
    EXPECT_EQ(got, want) << "template: " << c.text;
  }
}

TEST(TemplateTest, ParseOnceExecuteMany) {
  auto t = Template::Parse("t", "{{ .Value | humanize }} {{ .Labels.job }}");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  labels::Labels ls{{"job", "etcd"}};
  FuncEnv env;
  for (double v : {1.0, 1500.0, 2e6}) {
    Value data = AlertTemplateData(&ls, nullptr, "", v);
    std::string out;
    ASSERT_TRUE(t->Execute(data, env, &out).ok());
    EXPECT_EQ(out, v == 1.0 ? "1 etcd" : v == 1500.0 ? "1.5k etcd" : "2M etcd");
  }
}

TEST(TemplateTest, ExecuteTemplateByName) {
  auto t = Template::Parse("t", "{{ define \"x\" }}hi {{ . }}{{ end }}");
  ASSERT_TRUE(t.ok());
  std::string out;
  ASSERT_TRUE(t->ExecuteTemplate("x", Value::Int(3), FuncEnv{}, &out).ok());
  EXPECT_EQ(out, "hi 3");
  Status st = t->ExecuteTemplate("y", Value(), FuncEnv{}, &out);
  EXPECT_EQ(st.message(), "template: no template \"y\" associated with template \"t\"");
}

TEST(TemplateTest, RecursionIsBounded) {
  auto t = Template::Parse(
      "test", "{{ define \"r\" }}{{ template \"r\" . }}{{ end }}{{ template \"r\" . }}");
  ASSERT_TRUE(t.ok());
  std::string out;
  Status st = t->Execute(Value(), FuncEnv{}, &out);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("exceeded maximum template depth (1000)"), std::string_view::npos)
      << st.message();
}

TEST(TemplateTest, UserFuncMap) {
  FuncMap funcs = PrometheusFuncs();
  funcs["double"] = Func{
      {ParamType::kFloat}, false, [](const FuncEnv&, std::span<const Value> a) -> Result<Value> {
        return Value::Float(a[0].float_value() * 2);
      }};
  auto t = Template::Parse("t", "{{ double 2 }} {{ 1.5 | double }}", &funcs);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  std::string out;
  ASSERT_TRUE(t->Execute(Value(), FuncEnv{}, &out).ok());
  EXPECT_EQ(out, "4 3");
}

// ---- alert expansion ----

class ExpandTest : public ::testing::Test {
 protected:
  labels::Labels labels_{{"instance", "etcd-1:2379"}, {"job", "etcd"}};
  labels::Labels ext_{{"cluster", "prod"}};
  QueryFunc query_ = [](std::string_view q) -> Result<std::vector<QuerySample>> {
    if (q == "up") return std::vector<QuerySample>{{labels::Labels{{"job", "etcd"}}, 1}};
    return Status::Execution("parse error at char 1: unexpected end of input");
  };
  std::string Expand(std::string_view text, double value = 0) {
    AlertData d;
    d.labels = &labels_;
    d.value = value;
    d.external_labels = &ext_;
    d.external_url = "http://ward:9090";
    d.ts_ms = 1000;
    return ExpandAlertText("__alert_EtcdDown", text, d, query_);
  }
};

TEST_F(ExpandTest, Variables) {
  EXPECT_EQ(Expand("{{ $labels.instance }} is down ({{ $value }})", 0), "etcd-1:2379 is down (0)");
  EXPECT_EQ(Expand("{{ $externalLabels.cluster }}/{{ $externalURL }}"), "prod/http://ward:9090");
  EXPECT_EQ(Expand("{{ .Labels.job }} {{ .Value }}", 2.5), "etcd 2.5");
  EXPECT_EQ(Expand("{{ $value | humanizePercentage }}", 0.256), "25.6%");
  EXPECT_EQ(Expand("{{ $labels.nope }}"), "");
  EXPECT_EQ(Expand("plain text"), "plain text");
  EXPECT_EQ(Expand("{{ if gt $value 10.0 }}high{{ else }}low{{ end }}", 11), "high");
  EXPECT_EQ(Expand("{{ query \"up\" | first | value }}"), "1");
  EXPECT_EQ(Expand("{{ . }}", 1),
            "{map[instance:etcd-1:2379 job:etcd] map[cluster:prod] http://ward:9090 1}");
}

TEST_F(ExpandTest, Errors) {
  const size_t defs = kAlertTemplateDefs.size();
  EXPECT_EQ(Expand("{{ humanize \"x\" }}"),
            "<error expanding template: error executing template __alert_EtcdDown: template: "
            "__alert_EtcdDown:1:" +
                std::to_string(defs + 3) +
                ": executing \"__alert_EtcdDown\" at <humanize \"x\">: error calling humanize: "
                "strconv.ParseFloat: "
                "parsing \"x\": invalid syntax>");
  EXPECT_EQ(Expand("{{ foo }}"),
            "<error expanding template: error parsing template __alert_EtcdDown: template: "
            "__alert_EtcdDown:1: "
            "function \"foo\" not defined>");
  // Go refuses to compare float64 $value with an int constant.
  EXPECT_EQ(Expand("{{ if gt $value 10 }}high{{ end }}", 11),
            "<error expanding template: error executing template __alert_EtcdDown: template: "
            "__alert_EtcdDown:1:" +
                std::to_string(defs + 6) +
                ": executing \"__alert_EtcdDown\" at <gt $value 10>: error calling gt: "
                "incompatible types for "
                "comparison>");
  EXPECT_EQ(Expand("{{ query \"(\" }}"),
            "<error expanding template: error executing template __alert_EtcdDown: template: "
            "__alert_EtcdDown:1:" +
                std::to_string(defs + 3) +
                ": executing \"__alert_EtcdDown\" at <query \"(\">: error calling query: parse "
                "error at char 1: "
                "unexpected end of input>");
}

TEST_F(ExpandTest, RepeatedAndManyTextsGiveFreshResults) {
  // Parse results are cached per thread; results must not depend on it.
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(Expand("{{ $value }}", 1), "1");
    EXPECT_EQ(Expand("{{ $value }}", 2), "2");
    EXPECT_EQ(Expand("{{ foo }}").substr(0, 52),
              "<error expanding template: error parsing template __");
  }
  for (int i = 0; i < 2100; ++i) {
    std::string text = "{{ $value }}-" + std::to_string(i);
    ASSERT_EQ(Expand(text, i), std::to_string(i) + "-" + std::to_string(i));
  }
}

TEST(CheckSyntaxTest, Works) {
  EXPECT_TRUE(
      CheckSyntax("__alert_X", "{{ $labels.job }} {{ $value | humanize }} {{ $externalURL }}")
          .ok());
  EXPECT_TRUE(CheckSyntax("__alert_X", "no template").ok());
  Status st = CheckSyntax("__alert_X", "{{ $labels.job ");
  EXPECT_EQ(st.message(), "template: __alert_X:1: unclosed action");
  st = CheckSyntax("__alert_X", "{{ humanise $value }}");
  EXPECT_EQ(st.message(), "template: __alert_X:1: function \"humanise\" not defined");
  st = CheckSyntax("__alert_X", "{{ $nope }}");
  EXPECT_EQ(st.message(), "template: __alert_X:1: undefined variable \"$nope\"");
}

}  // namespace
}  // namespace ward::tmpl
