#include "model/relabel/relabel.h"

#include <gtest/gtest.h>
#include <re2/re2.h>

namespace ward::relabel {
namespace {

using labels::Labels;

struct RuleSpec {
  std::vector<std::string> source_labels;
  std::string regex = "(.*)";  // "(.*)" keeps the shared default program
  std::string target_label;
  std::string replacement = "$1";
  Action action = Action::kReplace;
  uint64_t modulus = 0;
  std::string separator = ";";
};

Config Make(const RuleSpec& s) {
  Config c;
  c.source_labels = s.source_labels;
  if (s.regex != "(.*)") {
    EXPECT_TRUE(c.SetRegex(s.regex).ok()) << s.regex;
  }
  c.target_label = s.target_label;
  c.replacement = s.replacement;
  c.action = s.action;
  c.modulus = s.modulus;
  c.separator = s.separator;
  EXPECT_TRUE(c.Validate().ok()) << c.Validate().ToString();
  return c;
}

struct Case {
  const char* name;
  Labels input;
  std::vector<RuleSpec> rules;
  bool keep;
  Labels output;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class ProcessTest : public ::testing::TestWithParam<Case> {};

TEST_P(ProcessTest, Table) {
  const Case& c = GetParam();
  std::vector<Config> cfgs;
  for (const auto& r : c.rules) cfgs.push_back(Make(r));
  Labels out;
  bool keep = Process(c.input, cfgs, &out);
  EXPECT_EQ(keep, c.keep);
  if (c.keep) {
    EXPECT_EQ(out.ToString(), c.output.ToString());
  }
}

const Case kCases[] = {
    {"replace_simple",
     {{"a", "foo"}, {"b", "bar"}, {"c", "baz"}},
     {{.source_labels = {"a"},
       .regex = "f(.*)",
       .target_label = "d",
       .replacement = "ch${1}-ch${1}"}},
     true,
     {{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "choo-choo"}}},
    {"replace_chain_multiple_sources",
     {{"a", "foo"}, {"b", "bar"}, {"c", "baz"}},
     {{.source_labels = {"a", "b"},
       .regex = "f(.*);(.*)r",
       .target_label = "a",
       .replacement = "b${1}${2}m"},
      {.source_labels = {"c", "a"},
       .regex = "(b).*b(.*)ba(.*)",
       .target_label = "d",
       .replacement = "$1$2$2$3"}},
     true,
     {{"a", "boobam"}, {"b", "bar"}, {"c", "baz"}, {"d", "boooom"}}},
    {"drop_match",
     {{"a", "foo"}},
     {{.source_labels = {"a"}, .regex = ".*o.*", .action = Action::kDrop}},
     false,
     {}},
    {"drop_chain",
     {{"a", "foo"}, {"b", "bar"}},
     {{.source_labels = {"a"}, .regex = "f(.*)", .target_label = "d", .replacement = "ch$1-ch$1"},
      {.source_labels = {"d"}, .regex = ".*o.*", .action = Action::kDrop}},
     false,
     {}},
    {"drop_match_with_group",
     {{"a", "abc"}},
     {{.source_labels = {"a"}, .regex = ".*(b).*", .action = Action::kDrop}},
     false,
     {}},
    {"drop_anchored",
     {{"a", "foo"}},
     {{.source_labels = {"a"}, .regex = "no-match", .action = Action::kDrop}},
     true,
     {{"a", "foo"}}},
    {"drop_partial_does_not_match",
     {{"a", "foo"}},
     {{.source_labels = {"a"}, .regex = "f|o", .action = Action::kDrop}},
     true,
     {{"a", "foo"}}},
    {"keep_no_match",
     {{"a", "foo"}},
     {{.source_labels = {"a"}, .regex = "no-match", .action = Action::kKeep}},
     false,
     {}},
    {"keep_match",
     {{"a", "foo"}},
     {{.source_labels = {"a"}, .regex = "f.*", .action = Action::kKeep}},
     true,
     {{"a", "foo"}}},
    {"keep_missing_label_matches_empty",
     {{"a", "foo"}},
     {{.source_labels = {"b"}, .regex = "", .action = Action::kKeep}},
     true,
     {{"a", "foo"}}},
    {"replace_no_match_is_noop",
     {{"a", "boo"}},
     {{.source_labels = {"a"}, .regex = "f", .target_label = "b", .replacement = "bar"}},
     true,
     {{"a", "boo"}}},
    {"replace_empty_result_deletes",
     {{"a", "foo"}, {"b", "bar"}},
     {{.source_labels = {"a"}, .regex = "(f).*", .target_label = "b", .replacement = "$2"}},
     true,
     {{"a", "foo"}}},
    {"replace_fast_path_sets_constant",
     {{"a", "foo"}},
     {{.target_label = "env", .replacement = "prod"}},
     true,
     {{"a", "foo"}, {"env", "prod"}}},
    {"replace_target_with_group",
     {{"a", "some-name-value"}},
     {{.source_labels = {"a"},
       .regex = "some-([^-]+)-([^,]+)",
       .target_label = "${1}",
       .replacement = "${2}"}},
     true,
     {{"a", "some-name-value"}, {"name", "value"}}},
    {"replace_invalid_target_after_expansion_is_skipped",
     {{"a", "some-name-value"}},
     {{.source_labels = {"a"},
       .regex = "some-([^-]+)-([^,]+)",
       .target_label = "${3}",
       .replacement = "${1}"}},
     true,
     {{"a", "some-name-value"}}},
    {"replace_utf8_target_ok",
     {{"a", "some-name-0"}},
     {{.source_labels = {"a"},
       .regex = "some-([^-]+)-([^,]+)",
       .target_label = "${1}.${2}",
       .replacement = "x"}},
     true,
     {{"a", "some-name-0"}, {"name.0", "x"}}},
    {"replace_named_group",
     {{"host", "db-3.example.org:9100"}},
     {{.source_labels = {"host"},
       .regex = "(?P<h>[^:]+):(?P<p>\\d+)",
       .target_label = "port",
       .replacement = "$p on ${h}"}},
     true,
     {{"host", "db-3.example.org:9100"}, {"port", "9100 on db-3.example.org"}}},
    {"replace_dollar_escape_and_word_ref",
     {{"a", "x"}},
     {{.source_labels = {"a"},
       .regex = "(.*)",
       .target_label = "b",
       .replacement = "$$1 $1x ${1}x"}},
     true,
     {{"a", "x"}, {"b", "$1  xx"}}},
    {"lowercase",
     {{"foo", "bAr123Foo"}},
     {{.source_labels = {"foo"}, .target_label = "foo_lower", .action = Action::kLowercase}},
     true,
     {{"foo", "bAr123Foo"}, {"foo_lower", "bar123foo"}}},
    {"uppercase",
     {{"foo", "bAr123Foo"}},
     {{.source_labels = {"foo"}, .target_label = "foo_upper", .action = Action::kUppercase}},
     true,
     {{"foo", "bAr123Foo"}, {"foo_upper", "BAR123FOO"}}},
    {"lowercase_unicode",
     {{"foo", "ÄÖÜ Straße ΣΑΣ Привет"}},
     {{.source_labels = {"foo"}, .target_label = "l", .action = Action::kLowercase}},
     true,
     {{"foo", "ÄÖÜ Straße ΣΑΣ Привет"}, {"l", "äöü straße σασ привет"}}},
    {"uppercase_unicode",
     {{"foo", "äöü σας привет"}},
     {{.source_labels = {"foo"}, .target_label = "u", .action = Action::kUppercase}},
     true,
     {{"foo", "äöü σας привет"}, {"u", "ÄÖÜ ΣΑΣ ПРИВЕТ"}}},
    {"hashmod",
     {{"a", "foo"}, {"b", "bar"}, {"c", "baz"}},
     {{.source_labels = {"c"}, .target_label = "d", .action = Action::kHashMod, .modulus = 1000}},
     true,
     {{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "976"}}},
    {"hashmod_joined",
     {{"a", "foo"}, {"b", "bar"}},
     {{.source_labels = {"a", "b"},
       .target_label = "d",
       .action = Action::kHashMod,
       .modulus = 1000}},
     true,
     {{"a", "foo"}, {"b", "bar"}, {"d", "750"}}},
    {"hashmod_then_keep_shard",
     {{"__address__", "foo"}},
     {{.source_labels = {"__address__"},
       .target_label = "__tmp_hash",
       .action = Action::kHashMod,
       .modulus = 2},
      {.source_labels = {"__tmp_hash"}, .regex = "0", .action = Action::kKeep}},
     true,
     {{"__address__", "foo"}, {"__tmp_hash", "0"}}},
    {"labelmap",
     {{"a", "foo"}, {"b", "bar"}, {"c", "baz"}},
     {{.regex = "a", .replacement = "b", .action = Action::kLabelMap}},
     true,
     {{"a", "foo"}, {"b", "foo"}, {"c", "baz"}}},
    {"labelmap_meta",
     {{"__meta_my_bar", "aaa"}, {"__meta_my_baz", "bbb"}, {"__meta_other", "ccc"}},
     {{.regex = "__meta_(my.*)", .replacement = "${1}", .action = Action::kLabelMap}},
     true,
     {{"__meta_my_bar", "aaa"},
      {"__meta_my_baz", "bbb"},
      {"__meta_other", "ccc"},
      {"my_bar", "aaa"},
      {"my_baz", "bbb"}}},
    {"labeldrop",
     {{"a", "foo"}, {"b", "bar"}, {"c", "baz"}},
     {{.regex = "a|b", .action = Action::kLabelDrop}},
     true,
     {{"c", "baz"}}},
    {"labeldrop_anchored",
     {{"ab", "foo"}, {"b", "bar"}},
     {{.regex = "a", .action = Action::kLabelDrop}},
     true,
     {{"ab", "foo"}, {"b", "bar"}}},
    {"labelkeep",
     {{"a", "foo"}, {"b", "bar"}, {"c", "baz"}},
     {{.regex = "(b.*)|c", .action = Action::kLabelKeep}},
     true,
     {{"b", "bar"}, {"c", "baz"}}},
    {"keepequal_equal",
     {{"__tmp_port", "9100"}, {"port", "9100"}},
     {{.source_labels = {"__tmp_port"}, .target_label = "port", .action = Action::kKeepEqual}},
     true,
     {{"__tmp_port", "9100"}, {"port", "9100"}}},
    {"keepequal_differs",
     {{"__tmp_port", "9100"}, {"port", "9200"}},
     {{.source_labels = {"__tmp_port"}, .target_label = "port", .action = Action::kKeepEqual}},
     false,
     {}},
    {"dropequal_equal",
     {{"a", "1"}, {"b", "1"}},
     {{.source_labels = {"a"}, .target_label = "b", .action = Action::kDropEqual}},
     false,
     {}},
    {"dropequal_differs",
     {{"a", "1"}, {"b", "2"}},
     {{.source_labels = {"a"}, .target_label = "b", .action = Action::kDropEqual}},
     true,
     {{"a", "1"}, {"b", "2"}}},
    {"separator",
     {{"a", "x"}, {"b", "y"}},
     {{.source_labels = {"a", "b"}, .target_label = "c", .separator = "--"}},
     true,
     {{"a", "x"}, {"b", "y"}, {"c", "x--y"}}},
    {"hashmod_newline",
     {{"a", "foo\nbar"}},
     {{.source_labels = {"a"}, .target_label = "b", .action = Action::kHashMod, .modulus = 1000}},
     true,
     {{"a", "foo\nbar"}, {"b", "734"}}},
    {"labelmap_prefix",
     {{"a", "foo"}, {"b1", "bar"}, {"b2", "baz"}},
     {{.regex = "(b.*)", .replacement = "bar_${1}", .action = Action::kLabelMap}},
     true,
     {{"a", "foo"}, {"b1", "bar"}, {"b2", "baz"}, {"bar_b1", "bar"}, {"bar_b2", "baz"}}},
    {"sd_tags_real_life",
     {{"__meta_sd_tags", "path:/secret,job:some-job,label:foo=bar"}},
     {{.source_labels = {"__meta_sd_tags"},
       .regex = "(?:.+,|^)path:(/[^,]+).*",
       .target_label = "__metrics_path__",
       .replacement = "${1}"},
      {.source_labels = {"__meta_sd_tags"},
       .regex = "(?:.+,|^)job:([^,]+).*",
       .target_label = "job",
       .replacement = "${1}"},
      {.source_labels = {"__meta_sd_tags"},
       .regex = "(?:.+,|^)label:([^=]+)=([^,]+).*",
       .target_label = "${1}",
       .replacement = "${2}"}},
     true,
     {{"__meta_sd_tags", "path:/secret,job:some-job,label:foo=bar"},
      {"__metrics_path__", "/secret"},
      {"foo", "bar"},
      {"job", "some-job"}}},
    {"labeldrop_then_replace_same_name",
     {{"__meta_kubernetes_pod_container_port_name", "foo"},
      {"__meta_kubernetes_pod_annotation_XXX_metrics_port", "9091"}},
     {{.regex = "^__meta_kubernetes_pod_container_port_name$", .action = Action::kLabelDrop},
      {.source_labels = {"__meta_kubernetes_pod_annotation_XXX_metrics_port"},
       .regex = "(.+)",
       .target_label = "__meta_kubernetes_pod_container_port_name",
       .replacement = "metrics"},
      {.source_labels = {"__meta_kubernetes_pod_container_port_name"},
       .regex = "^metrics$",
       .action = Action::kKeep}},
     true,
     {{"__meta_kubernetes_pod_annotation_XXX_metrics_port", "9091"},
      {"__meta_kubernetes_pod_container_port_name", "metrics"}}},
    {"drop_metric_by_name",
     {{"__name__", "go_gc_duration_seconds"}, {"job", "node"}},
     {{.source_labels = {"__name__"}, .regex = "go_.*", .action = Action::kDrop}},
     false,
     {}},
};

INSTANTIATE_TEST_SUITE_P(Relabel, ProcessTest, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(RelabelTest, ProcessInPlace) {
  Labels ls{{"a", "foo"}};
  std::vector<Config> cfgs{Make({.source_labels = {"a"}, .target_label = "b"})};
  ASSERT_TRUE(Process(ls, cfgs, &ls));
  EXPECT_EQ(ls.ToString(), R"({a="foo", b="foo"})");
}

TEST(RelabelTest, FilterOnlyRulesInPlaceAndCopy) {
  std::vector<Config> cfgs{
      Make({.source_labels = {"__name__"}, .regex = "go_.*", .action = Action::kDrop}),
      Make({.source_labels = {"job"}, .target_label = "exp", .action = Action::kKeepEqual})};
  Labels ls{{"__name__", "up"}, {"job", "x"}, {"exp", "x"}};
  Labels copy;
  ASSERT_TRUE(Process(ls, cfgs, &copy));
  EXPECT_EQ(copy, ls);
  ASSERT_TRUE(Process(ls, cfgs, &ls));
  EXPECT_EQ(ls.ToString(), R"({__name__="up", exp="x", job="x"})");
  Labels go{{"__name__", "go_gc"}, {"job", "x"}, {"exp", "x"}};
  EXPECT_FALSE(Process(go, cfgs, &go));
  EXPECT_TRUE(go.empty());
  // A filter after a mutating rule sees the mutation.
  cfgs.push_back(Make({.source_labels = {"job"}, .target_label = "exp", .replacement = "y"}));
  cfgs.push_back(Make({.source_labels = {"exp"}, .regex = "y", .action = Action::kDrop}));
  EXPECT_FALSE(Process(ls, cfgs, &copy));
}

TEST(RelabelTest, EmptyConfigsKeep) {
  Labels out;
  EXPECT_TRUE(Process(Labels{{"a", "b"}}, {}, &out));
  EXPECT_EQ(out.ToString(), R"({a="b"})");
}

TEST(RelabelTest, ParseAction) {
  EXPECT_EQ(*ParseAction("Replace"), Action::kReplace);
  EXPECT_EQ(*ParseAction("labelmap"), Action::kLabelMap);
  EXPECT_EQ(*ParseAction("DROPEQUAL"), Action::kDropEqual);
  auto bad = ParseAction("explode");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().ToString(), "unknown relabel action \"explode\"");
  EXPECT_EQ(ParseAction("").status().ToString(), "relabel action cannot be empty");
}

TEST(RelabelTest, BadRegex) {
  Config c;
  Status s = c.SetRegex("a(b");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find("error parsing regexp"), std::string::npos) << s.ToString();
  EXPECT_EQ(c.regex.source(), "(.*)");  // unchanged on failure
}

TEST(RelabelTest, LabelNameValidity) {
  EXPECT_TRUE(IsValidLabelName("foo_bar"));
  EXPECT_TRUE(IsValidLabelName("foo.bar"));
  EXPECT_TRUE(IsValidLabelName("ünicode"));
  EXPECT_FALSE(IsValidLabelName(""));
  EXPECT_FALSE(IsValidLabelName("\xff\xfe"));
  EXPECT_TRUE(IsValidLabelName("_a1", NameValidation::kLegacy));
  EXPECT_FALSE(IsValidLabelName("1a", NameValidation::kLegacy));
  EXPECT_FALSE(IsValidLabelName("foo.bar", NameValidation::kLegacy));
}

TEST(RelabelTest, LegacyValidationSkipsInvalidTarget) {
  Config c = Make(
      {.source_labels = {"a"}, .regex = "(.*)-(.*)", .target_label = "${1}", .replacement = "$2"});
  c.validation = NameValidation::kLegacy;
  Labels out;
  ASSERT_TRUE(Process(Labels{{"a", "x.y-z"}}, {c}, &out));
  EXPECT_EQ(out.ToString(), R"({a="x.y-z"})");
  ASSERT_TRUE(Process(Labels{{"a", "xy-z"}}, {c}, &out));
  EXPECT_EQ(out.ToString(), R"({a="xy-z", xy="z"})");
}

struct ValidateCase {
  RuleSpec rule;
  bool explicit_default_regex;
  const char* error;  // substring; "" = valid
};

TEST(RelabelTest, Validate) {
  const ValidateCase cases[] = {
      {{.action = Action::kHashMod, .modulus = 0},
       false,
       "relabel configuration for hashmod requires non-zero modulus"},
      {{.target_label = ""},
       false,
       "relabel configuration for replace action requires 'target_label' value"},
      {{.target_label = "", .action = Action::kLowercase},
       false,
       "relabel configuration for lowercase action requires 'target_label' value"},
      {{.target_label = "x", .replacement = "y", .action = Action::kUppercase},
       false,
       "'replacement' can not be set for uppercase action"},
      {{.target_label = "x", .action = Action::kKeepEqual, .separator = ","},
       false,
       "keepequal action requires only 'source_labels' and `target_label`, and no other fields"},
      {{.target_label = "x", .action = Action::kDropEqual},
       true,
       "dropequal action requires only 'source_labels' and `target_label`, and no other fields"},
      {{.target_label = "x", .action = Action::kLabelDrop},
       false,
       "labeldrop action requires only 'regex', and no other fields"},
      {{.source_labels = {"a"}, .action = Action::kLabelKeep},
       false,
       "labelkeep action requires only 'regex', and no other fields"},
      {{.target_label = "\xff", .action = Action::kHashMod, .modulus = 3},
       false,
       "is invalid 'target_label' for hashmod action"},
      {{.target_label = "ok"}, false, ""},
      {{.target_label = "${1}x"}, false, ""},
      {{.action = Action::kLabelDrop}, false, ""},
      {{.action = Action::kKeep}, false, ""},
  };
  for (const auto& vc : cases) {
    Config c;
    c.source_labels = vc.rule.source_labels;
    if (vc.explicit_default_regex) {
      ASSERT_TRUE(c.SetRegex("(.*)").ok());
    }
    c.target_label = vc.rule.target_label;
    c.replacement = vc.rule.replacement;
    c.action = vc.rule.action;
    c.modulus = vc.rule.modulus;
    c.separator = vc.rule.separator;
    Status s = c.Validate();
    if (std::string(vc.error).empty()) {
      EXPECT_TRUE(s.ok()) << s.ToString();
    } else {
      ASSERT_FALSE(s.ok()) << vc.error;
      EXPECT_NE(s.ToString().find(vc.error), std::string::npos) << s.ToString();
    }
  }
  // Legacy names: $-templates must match Prometheus's relabelTarget pattern.
  const std::pair<const char*, bool> targets[] = {
      {"-label", false}, {"label", true},        {"label${1}", true}, {"${1}label", true},
      {"${1}", true},    {"${", false},          {"$", false},        {"${}", false},
      {"foo${", false},  {"$1", true},           {"asd$2asd", true},  {"-foo${1}bar-", false},
      {"_${1}_", true},  {"foo${bar}foo", true}, {"0${3}", false}};
  for (const auto& [t, valid] : targets) {
    Config c;
    c.validation = NameValidation::kLegacy;
    c.target_label = t;
    EXPECT_EQ(c.Validate().ok(), valid) << t;
  }
  // UTF-8 names (the 3.x default) accept any non-empty valid UTF-8.
  Config utf8;
  utf8.target_label = "0${3}";
  EXPECT_TRUE(utf8.Validate().ok());
  utf8.action = Action::kLowercase;
  utf8.target_label = "${3}";
  EXPECT_TRUE(utf8.Validate().ok());

  Config legacy;
  legacy.validation = NameValidation::kLegacy;
  legacy.target_label = "a.b";
  EXPECT_FALSE(legacy.Validate().ok());
  legacy.target_label = "${1}_x";
  EXPECT_TRUE(legacy.Validate().ok());
}

}  // namespace
}  // namespace ward::relabel
