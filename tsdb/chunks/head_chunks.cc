// Head chunk files: writing, mmapped reads, replay and truncation. Layout
// and replay rules follow Prometheus's tsdb/chunks/head_chunks.go.
#include "tsdb/chunks/head_chunks.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "util/crc32c.h"
#include "util/varint.h"

namespace ward::tsdb::chunks {

namespace {

Status Errno(const std::string& what) {
  return Status::IOError(what + ": " + std::strerror(errno));
}

Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("open dir " + dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Errno("fsync dir " + dir);
  return Status::OK();
}

Status PwriteAll(int fd, const char* p, size_t n, off_t off, const std::string& what) {
  while (n > 0) {
    ssize_t w = ::pwrite(fd, p, n, off);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Errno(what);
    }
    p += w;
    n -= static_cast<size_t>(w);
    off += w;
  }
  return Status::OK();
}

constexpr int kFixedMeta = 8 + 8 + 8 + 1;  // series ref, mint, maxt, encoding

}  // namespace

struct ChunkDiskMapper::File {
  std::string path;
  const char* map = nullptr;
  size_t map_len = 0;
  int64_t size = 0;  // bytes of valid file content readers may touch
  int64_t maxt = INT64_MIN;

  ~File() {
    if (map != nullptr) ::munmap(const_cast<char*>(map), map_len);
  }
};

std::string HeadChunkFileName(const std::string& dir, uint32_t index) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%06u", index);
  return dir + "/" + buf;
}

ChunkDiskMapper::ChunkDiskMapper(std::string dir, int64_t max_file_size)
    : dir_(std::move(dir)), max_file_size_(max_file_size) {}

ChunkDiskMapper::~ChunkDiskMapper() {
  Close().IgnoreError();  // destructor: nobody to report to; Close() first to see errors
}

Result<std::unique_ptr<ChunkDiskMapper>> ChunkDiskMapper::Open(const std::string& dir,
                                                               int64_t max_file_size) {
  if (max_file_size < kHeadChunkFileHeaderSize + kMaxHeadChunkMetaSize ||
      max_file_size > (int64_t{1} << 32)) {
    return Status::InvalidArgument("head chunk file size out of range");
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("create head chunks dir " + dir + ": " + ec.message());
  std::unique_ptr<ChunkDiskMapper> m(new ChunkDiskMapper(dir, max_file_size));
  WARD_RETURN_IF_ERROR(m->OpenFiles());
  return m;
}

Status ChunkDiskMapper::Corrupt(uint32_t file, const std::string& why) const {
  return Status::Corruption("corruption in head chunk file " + HeadChunkFileName(dir_, file) +
                            ": " + why);
}

Status ChunkDiskMapper::OpenFiles() {
  std::vector<std::pair<uint32_t, std::string>> names;
  {
    DIR* d = ::opendir(dir_.c_str());
    if (d == nullptr) return Errno("list head chunks dir " + dir_);
    while (struct dirent* e = ::readdir(d)) {
      const char* n = e->d_name;
      if (*n == '\0') continue;
      uint64_t v = 0;
      bool ok = true;
      for (const char* p = n; *p; ++p) {
        if (*p < '0' || *p > '9' || v > UINT32_MAX) {
          ok = false;
          break;
        }
        v = v * 10 + (*p - '0');
      }
      if (ok && v <= UINT32_MAX) names.emplace_back(static_cast<uint32_t>(v), n);
    }
    ::closedir(d);
  }
  std::sort(names.begin(), names.end());
  // A last file without a full magic number was created right before a
  // crash; it holds nothing. Prometheus deletes it too.
  if (!names.empty()) {
    std::string path = dir_ + "/" + names.back().second;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Errno("open " + path);
    char magic[4] = {0, 0, 0, 0};
    ssize_t n = ::pread(fd, magic, 4, 0);
    ::close(fd);
    if (n < 4 || varint::BE32(magic) == 0) {
      if (::unlink(path.c_str()) != 0) return Errno("delete empty head chunk file " + path);
      names.pop_back();
    }
  }
  for (size_t i = 1; i < names.size(); ++i) {
    if (names[i].first != names[i - 1].first + 1) {
      return Status::Corruption("unsequential head chunk files " + names[i - 1].second + " and " +
                                names[i].second + " in " + dir_);
    }
  }
  for (const auto& [idx, name] : names) {
    auto f = std::make_unique<File>();
    f->path = dir_ + "/" + name;
    int fd = ::open(f->path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Errno("open " + f->path);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      ::close(fd);
      return Errno("stat " + f->path);
    }
    f->size = st.st_size;
    if (f->size < kHeadChunkFileHeaderSize) {
      ::close(fd);
      return Corrupt(idx, "file shorter than its header");
    }
    void* p = ::mmap(nullptr, static_cast<size_t>(f->size), PROT_READ, MAP_SHARED, fd, 0);
    ::close(fd);
    if (p == MAP_FAILED) return Errno("mmap " + f->path);
    f->map = static_cast<const char*>(p);
    f->map_len = static_cast<size_t>(f->size);
    if (varint::BE32(f->map) != kMagicHeadChunks) {
      char m[16];
      std::snprintf(m, sizeof(m), "%08x", varint::BE32(f->map));
      return Corrupt(idx, std::string("invalid magic number ") + m);
    }
    if (static_cast<uint8_t>(f->map[4]) != kHeadChunksFormatV1) {
      return Corrupt(
          idx, "invalid chunk format version " + std::to_string(static_cast<uint8_t>(f->map[4])));
    }
    files_[idx] = std::move(f);
  }
  return Status::OK();
}

Status ChunkDiskMapper::FinalizeCurrentLocked() {
  if (cur_fd_ < 0) return Status::OK();
  int rc = ::fdatasync(cur_fd_);
  ::close(cur_fd_);
  cur_fd_ = -1;
  if (rc != 0) return Errno("fsync head chunk file " + HeadChunkFileName(dir_, cur_));
  return Status::OK();
}

Status ChunkDiskMapper::CutLocked(int64_t first_chunk_bytes) {
  WARD_RETURN_IF_ERROR(FinalizeCurrentLocked());
  uint32_t next = cur_;
  {
    std::shared_lock<std::shared_mutex> l(mu_);
    if (!files_.empty()) next = std::max(next, files_.rbegin()->first);
  }
  ++next;
  auto f = std::make_unique<File>();
  f->path = HeadChunkFileName(dir_, next);
  int fd = ::open(f->path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) return Errno("create head chunk file " + f->path);
  char hdr[kHeadChunkFileHeaderSize] = {0};
  varint::EncodeBE32(hdr, kMagicHeadChunks);
  hdr[4] = static_cast<char>(kHeadChunksFormatV1);
  Status s = PwriteAll(fd, hdr, sizeof(hdr), 0, "write header of " + f->path);
  if (s.ok()) s = SyncDir(dir_);
  // Map the whole future extent now; only bytes already written are read.
  f->map_len =
      static_cast<size_t>(std::max(max_file_size_, kHeadChunkFileHeaderSize + first_chunk_bytes));
  if (s.ok()) {
    void* p = ::mmap(nullptr, f->map_len, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
      s = Errno("mmap " + f->path);
    } else {
      f->map = static_cast<const char*>(p);
    }
  }
  if (!s.ok()) {
    ::close(fd);
    return s;
  }
  f->size = kHeadChunkFileHeaderSize;
  cur_fd_ = fd;
  cur_ = next;
  cur_size_ = kHeadChunkFileHeaderSize;
  cut_next_ = false;
  std::unique_lock<std::shared_mutex> l(mu_);
  files_[next] = std::move(f);
  return Status::OK();
}

Result<uint64_t> ChunkDiskMapper::WriteChunk(uint64_t series_ref, int64_t mint, int64_t maxt,
                                             chunkenc::Encoding enc, std::string_view data,
                                             bool out_of_order) {
  std::lock_guard<std::mutex> w(write_mu_);
  {
    std::shared_lock<std::shared_mutex> l(mu_);
    if (closed_) return Status::Unavailable("chunk disk mapper closed");
  }
  const int64_t bytes =
      kFixedMeta + varint::UvarintSize(data.size()) + static_cast<int64_t>(data.size()) + 4;
  if (cur_ == 0 || cut_next_ || cur_size_ + bytes > max_file_size_)
    WARD_RETURN_IF_ERROR(CutLocked(bytes));

  buf_.clear();
  varint::PutBE64(&buf_, series_ref);
  varint::PutBE64(&buf_, static_cast<uint64_t>(mint));
  varint::PutBE64(&buf_, static_cast<uint64_t>(maxt));
  buf_.push_back(
      static_cast<char>(static_cast<uint8_t>(enc) | (out_of_order ? kOutOfOrderMask : 0)));
  varint::PutUvarint(&buf_, data.size());
  buf_.append(data);
  varint::PutBE32(&buf_, crc32c::Value(buf_.data(), buf_.size()));

  const int64_t off = cur_size_;
  Status s = PwriteAll(cur_fd_, buf_.data(), buf_.size(), static_cast<off_t>(off),
                       "write head chunk file " + HeadChunkFileName(dir_, cur_));
  if (!s.ok()) {
    // The file may hold part of the chunk; never append after it.
    cut_next_ = true;
    return s;
  }
  cur_size_ += bytes;
  {
    std::unique_lock<std::shared_mutex> l(mu_);
    File* f = files_[cur_].get();
    f->size = cur_size_;
    f->maxt = std::max(f->maxt, maxt);
  }
  return MakeChunkRef(cur_, static_cast<uint32_t>(off));
}

Result<std::string_view> ChunkDiskMapper::Chunk(uint64_t ref) const {
  std::shared_lock<std::shared_mutex> l(mu_);
  if (closed_) return Status::Unavailable("chunk disk mapper closed");
  const uint32_t idx = ChunkRefFile(ref);
  const int64_t off = ChunkRefOffset(ref);
  auto it = files_.find(idx);
  if (it == files_.end()) return Corrupt(idx, "head chunk file does not exist");
  const File& f = *it->second;
  if (off < kHeadChunkFileHeaderSize || off + kFixedMeta + 1 > f.size) {
    return Corrupt(idx, "chunk reference offset " + std::to_string(off) + " out of range");
  }
  const char* p = f.map + off + kFixedMeta;
  const char* end = f.map + f.size;
  uint64_t len;
  if (!varint::GetUvarint(&p, end, &len)) return Corrupt(idx, "bad chunk length");
  if (len > static_cast<uint64_t>(end - p) || static_cast<uint64_t>(end - p) - len < 4) {
    return Corrupt(idx, "chunk extends past end of file");
  }
  const char* data_end = p + len;
  if (crc32c::Value(f.map + off, static_cast<size_t>(data_end - (f.map + off))) !=
      varint::BE32(data_end)) {
    return Corrupt(idx, "chunk checksum mismatch at offset " + std::to_string(off));
  }
  return std::string_view(p, len);
}

Status ChunkDiskMapper::DropFrom(uint32_t index, int64_t size, int64_t* dropped_bytes) {
  std::unique_lock<std::shared_mutex> l(mu_);
  int64_t dropped = 0;
  for (auto it = files_.upper_bound(index); it != files_.end();) {
    dropped += it->second->size;
    if (::unlink(it->second->path.c_str()) != 0) return Errno("delete " + it->second->path);
    if (it->first == cur_) {
      ::close(cur_fd_);
      cur_fd_ = -1;
      cut_next_ = true;
    }
    it = files_.erase(it);
  }
  auto it = files_.find(index);
  if (it != files_.end() && it->second->size > size) {
    dropped += it->second->size - size;
    if (::truncate(it->second->path.c_str(), size) != 0)
      return Errno("truncate " + it->second->path);
    it->second->size = size;
    if (index == cur_) {
      cur_size_ = size;
      cut_next_ = true;
    }
  }
  if (dropped_bytes != nullptr) *dropped_bytes += dropped;
  return SyncDir(dir_);
}

Status ChunkDiskMapper::IterateAllChunks(const IterateFn& fn, int64_t* dropped_bytes) {
  std::lock_guard<std::mutex> w(write_mu_);
  if (dropped_bytes != nullptr) *dropped_bytes = 0;
  std::vector<uint32_t> indices;
  {
    std::shared_lock<std::shared_mutex> l(mu_);
    if (closed_) return Status::Unavailable("chunk disk mapper closed");
    for (const auto& [idx, f] : files_) indices.push_back(idx);
  }
  for (uint32_t idx : indices) {
    const char* base;
    int64_t end;
    File* f;
    {
      std::shared_lock<std::shared_mutex> l(mu_);
      f = files_.at(idx).get();
      base = f->map;
      end = f->size;
    }
    int64_t pos = kHeadChunkFileHeaderSize;
    const char* bad = nullptr;  // why the file ends early, if it does
    while (pos < end) {
      if (end - pos < kFixedMeta) {
        if (std::all_of(base + pos, base + end, [](char c) { return c == 0; })) break;
        bad = "torn chunk header";
        break;
      }
      const uint64_t series_ref = varint::BE64(base + pos);
      const int64_t mint = static_cast<int64_t>(varint::BE64(base + pos + 8));
      const int64_t maxt = static_cast<int64_t>(varint::BE64(base + pos + 16));
      // Preallocated (zero) space: series refs start at 1, so an all-zero
      // header marks the end of the data, as in Prometheus.
      if (series_ref == 0 && mint == 0 && maxt == 0) break;
      const uint8_t enc_byte = static_cast<uint8_t>(base[pos + 24]);
      const char* p = base + pos + kFixedMeta;
      uint64_t len;
      if (!varint::GetUvarint(&p, base + end, &len)) {
        bad = "torn chunk length";
        break;
      }
      if (len > static_cast<uint64_t>(base + end - p) ||
          static_cast<uint64_t>(base + end - p) - len < 4) {
        bad = "torn chunk data";
        break;
      }
      const char* data_end = p + len;
      if (crc32c::Value(base + pos, static_cast<size_t>(data_end - (base + pos))) !=
          varint::BE32(data_end)) {
        bad = "chunk checksum mismatch";
        break;
      }
      const uint16_t num_samples = len >= 2 ? varint::BE16(p) : 0;
      const bool ooo = (enc_byte & kOutOfOrderMask) != 0;
      const auto enc = static_cast<chunkenc::Encoding>(enc_byte & ~kOutOfOrderMask);
      f->maxt = std::max(f->maxt, maxt);
      WARD_RETURN_IF_ERROR(fn(series_ref, MakeChunkRef(idx, static_cast<uint32_t>(pos)), mint, maxt,
                              num_samples, enc, ooo));
      pos = data_end + 4 - base;
    }
    if (bad != nullptr) {
      // Keep the good prefix; the head rebuilds the rest from the WAL.
      return DropFrom(idx, pos, dropped_bytes);
    }
  }
  return Status::OK();
}

Status ChunkDiskMapper::CutNewFile() {
  std::lock_guard<std::mutex> w(write_mu_);
  cut_next_ = true;
  return Status::OK();
}

Status ChunkDiskMapper::Sync() {
  std::lock_guard<std::mutex> w(write_mu_);
  if (cur_fd_ < 0) return Status::OK();
  if (::fdatasync(cur_fd_) != 0)
    return Errno("fsync head chunk file " + HeadChunkFileName(dir_, cur_));
  return Status::OK();
}

Status ChunkDiskMapper::Close() {
  std::lock_guard<std::mutex> w(write_mu_);
  {
    std::shared_lock<std::shared_mutex> l(mu_);
    if (closed_) return Status::OK();
  }
  Status s = FinalizeCurrentLocked();
  std::unique_lock<std::shared_mutex> l(mu_);
  files_.clear();
  closed_ = true;
  return s;
}

Status ChunkDiskMapper::Truncate(uint32_t file_index_before) {
  std::lock_guard<std::mutex> w(write_mu_);
  std::unique_lock<std::shared_mutex> l(mu_);
  if (closed_) return Status::Unavailable("chunk disk mapper closed");
  for (auto it = files_.begin(); it != files_.end();) {
    if (it->first >= file_index_before || it->first == cur_) break;
    if (::unlink(it->second->path.c_str()) != 0) return Errno("delete " + it->second->path);
    it = files_.erase(it);
  }
  // Start a fresh file so the current one can be deleted next time.
  if (cur_ != 0 && cur_size_ > kHeadChunkFileHeaderSize) cut_next_ = true;
  return Status::OK();
}

uint32_t ChunkDiskMapper::CurrentFile() const {
  std::shared_lock<std::shared_mutex> l(mu_);
  return files_.empty() ? 0 : files_.rbegin()->first;
}

int64_t ChunkDiskMapper::Size() const {
  std::shared_lock<std::shared_mutex> l(mu_);
  int64_t n = 0;
  for (const auto& [idx, f] : files_) n += f->size;
  return n;
}

}  // namespace ward::tsdb::chunks
