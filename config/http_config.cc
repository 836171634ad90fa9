// Decoding and validation of Prometheus common's HTTP client settings
// (basic_auth, authorization, oauth2, tls_config, proxy, http_headers).
#include "config/http_config.h"

#include <algorithm>
#include <cctype>

namespace ward::config::internal {
namespace {

Status DecodeTLS(const YAML::Node& n, std::string_view dir, TLSConfig* out) {
  MapDecoder m(n, "config.TLSConfig");
  WARD_RETURN_IF_ERROR(m.Init());
  WARD_RETURN_IF_ERROR(m.Str("ca", &out->ca));
  WARD_RETURN_IF_ERROR(m.Str("ca_file", &out->ca_file));
  WARD_RETURN_IF_ERROR(m.Str("cert", &out->cert));
  WARD_RETURN_IF_ERROR(m.Str("cert_file", &out->cert_file));
  WARD_RETURN_IF_ERROR(m.SecretField("key", &out->key));
  WARD_RETURN_IF_ERROR(m.Str("key_file", &out->key_file));
  WARD_RETURN_IF_ERROR(m.Str("server_name", &out->server_name));
  WARD_RETURN_IF_ERROR(m.Bool("insecure_skip_verify", &out->insecure_skip_verify));
  for (auto [key, field] :
       {std::pair{"min_version", &out->min_version}, std::pair{"max_version", &out->max_version}}) {
    YAML::Node v = m.Take(key);
    if (!v.IsDefined()) continue;
    WARD_RETURN_IF_ERROR(DecodeString(v, field));
    static constexpr std::string_view kVersions[] = {"TLS10", "TLS11", "TLS12", "TLS13"};
    if (std::find(std::begin(kVersions), std::end(kVersions), *field) == std::end(kVersions)) {
      return ErrorAt(v, "unknown TLS version: " + *field);
    }
  }
  WARD_RETURN_IF_ERROR(m.Finish());
  int line = LineOf(n);
  if (!out->ca.empty() && !out->ca_file.empty()) {
    return ErrorAtLine(line, "at most one of ca and ca_file must be configured");
  }
  if (!out->cert.empty() && !out->cert_file.empty()) {
    return ErrorAtLine(line, "at most one of cert and cert_file must be configured");
  }
  if (!out->key.empty() && !out->key_file.empty()) {
    return ErrorAtLine(line, "at most one of key and key_file must be configured");
  }
  const bool has_cert = !out->cert.empty() || !out->cert_file.empty();
  const bool has_key = !out->key.empty() || !out->key_file.empty();
  if (has_cert && !has_key) {
    return ErrorAtLine(line,
                       "exactly one of key or key_file must be configured when a client "
                       "certificate is configured");
  }
  if (has_key && !has_cert) {
    return ErrorAtLine(line,
                       "exactly one of cert or cert_file must be configured when a client key is "
                       "configured");
  }
  out->ca_file = JoinDir(dir, out->ca_file);
  out->cert_file = JoinDir(dir, out->cert_file);
  out->key_file = JoinDir(dir, out->key_file);
  return Status::OK();
}

// Headers Prometheus sets itself; a config may not override them.
bool IsReservedHeader(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
  static constexpr std::string_view kReserved[] = {"authorization",
                                                   "host",
                                                   "content-encoding",
                                                   "content-length",
                                                   "content-type",
                                                   "user-agent",
                                                   "connection",
                                                   "keep-alive",
                                                   "proxy-authenticate",
                                                   "proxy-authorization",
                                                   "www-authenticate",
                                                   "accept-encoding",
                                                   "x-prometheus-remote-write-version",
                                                   "x-prometheus-remote-read-version",
                                                   "x-prometheus-scrape-timeout-seconds",
                                                   "x-amz-date",
                                                   "x-amz-security-token",
                                                   "x-amz-content-sha256"};
  return std::find(std::begin(kReserved), std::end(kReserved), lower) != std::end(kReserved);
}

}  // namespace

Status DecodeHTTPClientFields(MapDecoder& m, std::string_view dir, HTTPClientConfig* out) {
  if (YAML::Node n = m.Take("basic_auth"); n.IsDefined()) {
    BasicAuth ba;
    MapDecoder b(n, "config.BasicAuth");
    WARD_RETURN_IF_ERROR(b.Init());
    WARD_RETURN_IF_ERROR(b.Str("username", &ba.username));
    WARD_RETURN_IF_ERROR(b.Str("username_file", &ba.username_file));
    WARD_RETURN_IF_ERROR(b.SecretField("password", &ba.password));
    WARD_RETURN_IF_ERROR(b.Str("password_file", &ba.password_file));
    WARD_RETURN_IF_ERROR(b.Finish());
    if (!ba.username.empty() && !ba.username_file.empty()) {
      return ErrorAt(n, "at most one of basic_auth username & username_file must be configured");
    }
    if (!ba.password.empty() && !ba.password_file.empty()) {
      return ErrorAt(n, "at most one of basic_auth password & password_file must be configured");
    }
    ba.username_file = JoinDir(dir, ba.username_file);
    ba.password_file = JoinDir(dir, ba.password_file);
    out->basic_auth = std::move(ba);
  }
  bool authorization_given = false;
  if (YAML::Node n = m.Take("authorization"); n.IsDefined()) {
    Authorization a;
    a.type.clear();
    MapDecoder d(n, "config.Authorization");
    WARD_RETURN_IF_ERROR(d.Init());
    WARD_RETURN_IF_ERROR(d.Str("type", &a.type));
    WARD_RETURN_IF_ERROR(d.SecretField("credentials", &a.credentials));
    WARD_RETURN_IF_ERROR(d.Str("credentials_file", &a.credentials_file));
    WARD_RETURN_IF_ERROR(d.Finish());
    // Trim spaces as Prometheus does; empty means Bearer.
    while (!a.type.empty() && a.type.back() == ' ') a.type.pop_back();
    while (!a.type.empty() && a.type.front() == ' ') a.type.erase(a.type.begin());
    if (a.type.empty()) a.type = "Bearer";
    std::string lower = a.type;
    for (char& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "basic") {
      return ErrorAt(n,
                     "authorization type cannot be set to \"basic\", use \"basic_auth\" instead");
    }
    if (!a.credentials.empty() && !a.credentials_file.empty()) {
      return ErrorAt(
          n, "at most one of authorization credentials & credentials_file must be configured");
    }
    a.credentials_file = JoinDir(dir, a.credentials_file);
    out->authorization = std::move(a);
    authorization_given = true;
  }
  if (YAML::Node n = m.Take("oauth2"); n.IsDefined()) {
    OAuth2 o;
    MapDecoder d(n, "config.OAuth2");
    WARD_RETURN_IF_ERROR(d.Init());
    WARD_RETURN_IF_ERROR(d.Str("client_id", &o.client_id));
    WARD_RETURN_IF_ERROR(d.SecretField("client_secret", &o.client_secret));
    WARD_RETURN_IF_ERROR(d.Str("client_secret_file", &o.client_secret_file));
    WARD_RETURN_IF_ERROR(d.StrList("scopes", &o.scopes));
    WARD_RETURN_IF_ERROR(d.Str("token_url", &o.token_url));
    WARD_RETURN_IF_ERROR(d.StrMap("endpoint_params", &o.endpoint_params));
    if (YAML::Node t = d.Take("tls_config"); t.IsDefined()) {
      WARD_RETURN_IF_ERROR(DecodeTLS(t, dir, &o.tls_config));
    }
    WARD_RETURN_IF_ERROR(d.Str("proxy_url", &o.proxy_url));
    for (const char* k : {"grant_type", "client_certificate_key", "client_certificate_key_file",
                          "client_certificate_key_id", "signature_algorithm", "iss", "audience",
                          "claims", "no_proxy", "proxy_from_environment", "proxy_connect_header"}) {
      d.Ignore(k, nullptr, "");
    }
    WARD_RETURN_IF_ERROR(d.Finish());
    if (o.client_id.empty()) return ErrorAt(n, "oauth2 client_id must be configured");
    if (o.token_url.empty()) return ErrorAt(n, "oauth2 token_url must be configured");
    if (!o.client_secret.empty() && !o.client_secret_file.empty()) {
      return ErrorAt(n,
                     "at most one of oauth2 client_secret & client_secret_file must be configured");
    }
    o.client_secret_file = JoinDir(dir, o.client_secret_file);
    out->oauth2 = std::move(o);
  }
  std::string bearer_token, bearer_token_file;
  WARD_RETURN_IF_ERROR(m.Str("bearer_token", &bearer_token));
  WARD_RETURN_IF_ERROR(m.Str("bearer_token_file", &bearer_token_file));
  if (YAML::Node n = m.Take("tls_config"); n.IsDefined()) {
    WARD_RETURN_IF_ERROR(DecodeTLS(n, dir, &out->tls_config));
  }
  WARD_RETURN_IF_ERROR(m.Str("proxy_url", &out->proxy_url));
  WARD_RETURN_IF_ERROR(m.Str("no_proxy", &out->no_proxy));
  WARD_RETURN_IF_ERROR(m.Bool("proxy_from_environment", &out->proxy_from_environment));
  m.Ignore("proxy_connect_header", nullptr, "");
  WARD_RETURN_IF_ERROR(m.Bool("follow_redirects", &out->follow_redirects));
  WARD_RETURN_IF_ERROR(m.Bool("enable_http2", &out->enable_http2));
  if (YAML::Node n = m.Take("http_headers"); n.IsDefined()) {
    if (!n.IsMap()) return ErrorAt(n, "cannot unmarshal " + GoTag(n) + " into config.Headers");
    for (const auto& kv : n) {
      std::string name;
      WARD_RETURN_IF_ERROR(DecodeString(kv.first, &name));
      if (IsReservedHeader(name)) {
        return ErrorAt(kv.first, "setting header " + Quote(name) + " is not allowed");
      }
      Header h;
      MapDecoder hd(kv.second, "config.Header");
      WARD_RETURN_IF_ERROR(hd.Init());
      WARD_RETURN_IF_ERROR(hd.StrList("values", &h.values));
      std::vector<std::string> secrets;
      WARD_RETURN_IF_ERROR(hd.StrList("secrets", &secrets));
      for (auto& s : secrets) h.secrets.push_back(Secret{std::move(s)});
      WARD_RETURN_IF_ERROR(hd.StrList("files", &h.files));
      WARD_RETURN_IF_ERROR(hd.Finish());
      for (auto& f : h.files) f = JoinDir(dir, f);
      out->http_headers[name] = std::move(h);
    }
  }

  // Cross-field rules of Prometheus common's HTTPClientConfig.Validate.
  if (!bearer_token.empty() && !bearer_token_file.empty()) {
    return ErrorAtLine(m.KeyLine("bearer_token_file"),
                       "at most one of bearer_token & bearer_token_file must be configured");
  }
  const bool has_bearer = !bearer_token.empty() || !bearer_token_file.empty();
  const int bearer_line =
      bearer_token.empty() ? m.KeyLine("bearer_token_file") : m.KeyLine("bearer_token");
  if ((out->basic_auth || out->oauth2) && has_bearer) {
    return ErrorAtLine(bearer_line,
                       "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must "
                       "be configured");
  }
  if (authorization_given) {
    if (has_bearer) {
      return ErrorAtLine(m.KeyLine("authorization"),
                         "authorization is not compatible with bearer_token & bearer_token_file");
    }
    if (out->basic_auth || out->oauth2) {
      return ErrorAtLine(m.KeyLine("authorization"),
                         "at most one of basic_auth, oauth2 & authorization must be configured");
    }
  }
  if (out->oauth2 && out->basic_auth) {
    return ErrorAtLine(m.KeyLine("oauth2"),
                       "at most one of oauth2 & basic_auth must be configured");
  }
  if (!out->no_proxy.empty() && out->proxy_url.empty()) {
    return ErrorAtLine(m.KeyLine("no_proxy"),
                       "if no_proxy is configured, proxy_url must also be configured");
  }
  if (out->proxy_from_environment && !out->proxy_url.empty()) {
    return ErrorAtLine(m.KeyLine("proxy_url"),
                       "if proxy_from_environment is configured, proxy_url must not be configured");
  }
  if (has_bearer) {
    Authorization a;
    a.credentials.value = bearer_token;
    a.credentials_file = JoinDir(dir, bearer_token_file);
    out->authorization = std::move(a);
  }
  return Status::OK();
}

}  // namespace ward::config::internal
