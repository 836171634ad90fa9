#include "util/process.h"

#include <dirent.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <string_view>
#include <vector>

namespace ward::process {

namespace {

Result<std::string> ReadSmallFile(const char* path) {
  FILE* f = fopen(path, "re");
  if (f == nullptr) return Status::IOError(std::string("open ") + path);
  std::string s;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), f)) > 0 && s.size() < (1 << 20)) s.append(buf, n);
  fclose(f);
  return s;
}

std::vector<std::string_view> SplitSpaces(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n')) ++i;
    size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t' && s[j] != '\n') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

bool ParseU64(std::string_view s, uint64_t* v) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), *v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

}  // namespace

Status ParseSelfStat(std::string_view stat, std::string_view proc_stat, int64_t clock_ticks, int64_t page_size,
                     ProcessStats* out) {
  // "pid (comm) state ppid ..." where comm may hold spaces and parentheses:
  // the fields start after the last ')'.
  size_t rp = stat.rfind(')');
  if (rp == std::string_view::npos) return Status::Corruption("/proc/self/stat: no ')' after comm");
  std::vector<std::string_view> f = SplitSpaces(stat.substr(rp + 1));
  // f[0] is field 3 (state); field k is f[k - 3].
  if (f.size() < 22) return Status::Corruption("/proc/self/stat: too few fields");
  uint64_t utime, stime, starttime, vsize, rss;
  if (!ParseU64(f[14 - 3], &utime) || !ParseU64(f[15 - 3], &stime) || !ParseU64(f[22 - 3], &starttime) ||
      !ParseU64(f[23 - 3], &vsize) || !ParseU64(f[24 - 3], &rss)) {
    return Status::Corruption("/proc/self/stat: bad number");
  }
  if (clock_ticks <= 0) clock_ticks = 100;
  out->cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(clock_ticks);
  out->virtual_memory_bytes = static_cast<double>(vsize);
  out->resident_memory_bytes = static_cast<double>(rss) * static_cast<double>(page_size);
  // Boot time: the "btime <unix seconds>" line of /proc/stat.
  uint64_t btime = 0;
  bool found = false;
  size_t pos = 0;
  while (pos < proc_stat.size()) {
    size_t nl = proc_stat.find('\n', pos);
    std::string_view line = proc_stat.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    if (line.starts_with("btime ")) {
      found = ParseU64(line.substr(6), &btime);
      break;
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  if (!found) return Status::Corruption("/proc/stat: no btime line");
  out->start_time_seconds = static_cast<double>(btime) + static_cast<double>(starttime) / clock_ticks;
  return Status::OK();
}

Status ParseLimits(std::string_view limits, ProcessStats* out) {
  // Columns: "Limit" (padded to 26 chars) "Soft Limit" "Hard Limit" "Units".
  bool got_files = false, got_as = false;
  size_t pos = 0;
  while (pos < limits.size()) {
    size_t nl = limits.find('\n', pos);
    std::string_view line = limits.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? limits.size() : nl + 1;
    double* dst = nullptr;
    std::string_view rest;
    if (line.starts_with("Max open files")) {
      dst = &out->max_fds;
      rest = line.substr(14);
      got_files = true;
    } else if (line.starts_with("Max address space")) {
      dst = &out->virtual_memory_max_bytes;
      rest = line.substr(17);
      got_as = true;
    } else {
      continue;
    }
    std::vector<std::string_view> f = SplitSpaces(rest);
    if (f.empty()) return Status::Corruption("/proc/self/limits: missing soft limit");
    uint64_t v;
    if (f[0] == "unlimited") {
      *dst = 18446744073709551615.0;  // procfs reports unlimited as 2^64-1
    } else if (ParseU64(f[0], &v)) {
      *dst = static_cast<double>(v);
    } else {
      return Status::Corruption("/proc/self/limits: bad soft limit \"" + std::string(f[0]) + "\"");
    }
  }
  if (!got_files || !got_as) return Status::Corruption("/proc/self/limits: missing lines");
  return Status::OK();
}

Result<ProcessStats> ReadProcessStats() {
  ProcessStats st;
  WARD_ASSIGN_OR_RETURN(std::string stat, ReadSmallFile("/proc/self/stat"));
  WARD_ASSIGN_OR_RETURN(std::string proc_stat, ReadSmallFile("/proc/stat"));
  WARD_RETURN_IF_ERROR(ParseSelfStat(stat, proc_stat, sysconf(_SC_CLK_TCK), sysconf(_SC_PAGESIZE), &st));
  WARD_ASSIGN_OR_RETURN(std::string limits, ReadSmallFile("/proc/self/limits"));
  WARD_RETURN_IF_ERROR(ParseLimits(limits, &st));
  DIR* d = opendir("/proc/self/fd");
  if (d == nullptr) return Status::IOError("open /proc/self/fd");
  int n = 0;
  while (struct dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(d);
  st.open_fds = n - 1;  // minus the descriptor opendir itself holds
  return st;
}

void RegisterProcessCollector(metrics::Registry& registry) {
  registry.AddCollector([](std::string* out) {
    Result<ProcessStats> r = ReadProcessStats();
    if (!r.ok()) return;  // no /proc: expose nothing rather than zeros
    const ProcessStats& s = *r;
    using metrics::MetricType;
    struct Item {
      const char* name;
      const char* help;
      MetricType type;
      double value;
    };
    const Item items[] = {
        {"process_cpu_seconds_total", "CPU time (user plus system) this process has used, in seconds.",
         MetricType::kCounter, s.cpu_seconds},
        {"process_max_fds", "Soft limit on open file descriptors (RLIMIT_NOFILE).", MetricType::kGauge, s.max_fds},
        {"process_open_fds", "File descriptors this process has open.", MetricType::kGauge, s.open_fds},
        {"process_resident_memory_bytes", "Bytes of this process resident in RAM.", MetricType::kGauge,
         s.resident_memory_bytes},
        {"process_start_time_seconds", "When this process started, in seconds since the Unix epoch.",
         MetricType::kGauge, s.start_time_seconds},
        {"process_virtual_memory_bytes", "Bytes of virtual address space this process maps.", MetricType::kGauge,
         s.virtual_memory_bytes},
        {"process_virtual_memory_max_bytes", "Soft limit on virtual address space in bytes (RLIMIT_AS).",
         MetricType::kGauge, s.virtual_memory_max_bytes},
    };
    for (const Item& it : items) {
      metrics::AppendHeader(out, it.name, it.help, it.type);
      metrics::AppendSample(out, it.name, {}, it.value);
    }
  });
}

}  // namespace ward::process
