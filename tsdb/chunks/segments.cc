// Block chunk segments: buffered writer, mmapped reader, and the file
// helpers (MmapFile, SyncDir, WriteFileSync). Layout: segments.h.
#include "tsdb/chunks/segments.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "util/crc32c.h"
#include "util/varint.h"

namespace ward::tsdb::chunks {
namespace {

constexpr size_t kFlushAt = 1 << 20;

Status Errno(const std::string& what) {
  return Status::IOError(what + ": " + std::strerror(errno));
}

Status WriteAll(int fd, const char* p, size_t n, const std::string& path) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Errno("write " + path);
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return Status::OK();
}

}  // namespace

std::string SegmentFileName(const std::string& dir, uint32_t index) {
  char name[16];
  std::snprintf(name, sizeof(name), "%06u", index);
  return dir + "/" + name;
}

Result<std::unique_ptr<MmapFile>> MmapFile::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno("open " + path);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    Status s = Errno("stat " + path);
    ::close(fd);
    return s;
  }
  size_t size = static_cast<size_t>(st.st_size);
  const char* data = nullptr;
  if (size > 0) {
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
      Status s = Errno("mmap " + path);
      ::close(fd);
      return s;
    }
    data = static_cast<const char*>(p);
  }
  ::close(fd);
  return std::unique_ptr<MmapFile>(new MmapFile(path, data, size));
}

MmapFile::~MmapFile() {
  if (data_ != nullptr) ::munmap(const_cast<char*>(data_), size_);
}

Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("open dir " + dir);
  int rc = ::fsync(fd);
  Status s = rc == 0 ? Status::OK() : Errno("fsync dir " + dir);
  ::close(fd);
  return s;
}

Status WriteFileSync(const std::string& path, std::string_view data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("create " + path);
  Status s = WriteAll(fd, data.data(), data.size(), path);
  if (s.ok() && ::fsync(fd) != 0) s = Errno("fsync " + path);
  if (::close(fd) != 0 && s.ok()) s = Errno("close " + path);
  return s;
}

// ---- SegmentWriter ----

Result<std::unique_ptr<SegmentWriter>> SegmentWriter::Open(const std::string& dir,
                                                           int64_t max_segment_size) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return Errno("mkdir " + dir);
  if (max_segment_size < kSegmentHeaderSize + kMaxChunkOverhead) {
    return Status::InvalidArgument("chunk segment size too small");
  }
  return std::unique_ptr<SegmentWriter>(new SegmentWriter(dir, max_segment_size));
}

SegmentWriter::~SegmentWriter() {
  if (fd_ >= 0) ::close(fd_);
}

Status SegmentWriter::Flush() {
  if (buf_.empty()) return Status::OK();
  WARD_RETURN_IF_ERROR(WriteAll(fd_, buf_.data(), buf_.size(), SegmentFileName(dir_, seq_)));
  buf_.clear();
  return Status::OK();
}

Status SegmentWriter::FinishSegment() {
  if (fd_ < 0) return Status::OK();
  WARD_RETURN_IF_ERROR(Flush());
  std::string path = SegmentFileName(dir_, seq_);
  if (::fsync(fd_) != 0) return Errno("fsync " + path);
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) return Errno("close " + path);
  return Status::OK();
}

Status SegmentWriter::Cut() {
  WARD_RETURN_IF_ERROR(FinishSegment());
  ++seq_;
  std::string path = SegmentFileName(dir_, seq_);
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) return Errno("create " + path);
  varint::PutBE32(&buf_, kMagicChunks);
  buf_.push_back(static_cast<char>(kChunksFormatV1));
  buf_.append(3, '\0');
  size_ = kSegmentHeaderSize;
  total_bytes_ += kSegmentHeaderSize;
  return Status::OK();
}

Result<uint64_t> SegmentWriter::WriteChunk(chunkenc::Encoding enc, std::string_view data) {
  if (closed_) return Status::Internal("chunk segment writer is closed");
  int64_t need = varint::UvarintSize(data.size()) + 1 + static_cast<int64_t>(data.size()) + 4;
  // As Prometheus: cut when the segment would overflow, unless the chunk
  // alone is larger than a segment and this one is still empty.
  if (fd_ < 0 || (size_ + need > max_size_ && size_ > kSegmentHeaderSize)) {
    WARD_RETURN_IF_ERROR(Cut());
  }
  if (size_ + need > int64_t{UINT32_MAX}) {
    return Status::InvalidArgument("chunk does not fit a 32-bit segment offset");
  }
  uint64_t ref = MakeBlockChunkRef(seq_ - 1, static_cast<uint32_t>(size_));
  varint::PutUvarint(&buf_, data.size());
  size_t crc_from = buf_.size();
  buf_.push_back(static_cast<char>(enc));
  buf_.append(data);
  uint32_t crc = crc32c::Value(buf_.data() + crc_from, buf_.size() - crc_from);
  varint::PutBE32(&buf_, crc);
  size_ += need;
  total_bytes_ += need;
  if (buf_.size() >= kFlushAt) WARD_RETURN_IF_ERROR(Flush());
  return ref;
}

Status SegmentWriter::Close() {
  if (closed_) return Status::OK();
  closed_ = true;
  WARD_RETURN_IF_ERROR(FinishSegment());
  return SyncDir(dir_);
}

// ---- SegmentReader ----

Result<std::unique_ptr<SegmentReader>> SegmentReader::Open(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return Errno("open chunks dir " + dir);
  std::vector<uint32_t> nums;
  Status bad;
  while (struct dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n == "." || n == "..") continue;
    uint64_t v = 0;
    bool digits = !n.empty() && n.size() <= 10;
    for (char c : n) {
      if (c < '0' || c > '9')
        digits = false;
      else
        v = v * 10 + (c - '0');
    }
    // Like Prometheus, ignore names that are not numbers.
    if (!digits) continue;
    if (v == 0 || v > UINT32_MAX) {
      bad = Status::Corruption("bad chunk segment number: " + dir + "/" + std::string(n));
      break;
    }
    nums.push_back(static_cast<uint32_t>(v));
  }
  ::closedir(d);
  WARD_RETURN_IF_ERROR(bad);
  std::sort(nums.begin(), nums.end());
  std::unique_ptr<SegmentReader> r(new SegmentReader());
  r->dir_ = dir;
  for (size_t i = 0; i < nums.size(); ++i) {
    std::string path = SegmentFileName(dir, nums[i]);
    if (nums[i] != i + 1) return Status::Corruption("chunk segment sequence gap at " + path);
    WARD_ASSIGN_OR_RETURN(auto f, MmapFile::Open(path));
    std::string_view b = f->data();
    if (b.size() < kSegmentHeaderSize) {
      return Status::Corruption("chunk segment " + path + ": shorter than its header");
    }
    if (varint::BE32(b.data()) != kMagicChunks) {
      return Status::Corruption("chunk segment " + path + ": bad magic number");
    }
    if (static_cast<uint8_t>(b[4]) != kChunksFormatV1) {
      return Status::Corruption("chunk segment " + path + ": unknown version " +
                                std::to_string(static_cast<uint8_t>(b[4])));
    }
    r->segs_.push_back(std::move(f));
  }
  return r;
}

Status SegmentReader::Chunk(uint64_t ref, chunkenc::Encoding* enc, std::string_view* data) const {
  uint32_t seq = BlockChunkSeq(ref);
  uint32_t off = BlockChunkOffset(ref);
  if (seq >= segs_.size()) {
    return Status::Corruption("chunk ref " + std::to_string(ref) + ": segment " +
                              std::to_string(seq) + " does not exist in " + dir_);
  }
  std::string_view b = segs_[seq]->data();
  if (off < kSegmentHeaderSize || off >= b.size()) {
    return Status::Corruption("chunk ref " + std::to_string(ref) + ": offset out of range in " +
                              segs_[seq]->path());
  }
  const char* p = b.data() + off;
  const char* end = b.data() + b.size();
  uint64_t len;
  if (!varint::GetUvarint(&p, end, &len) || len > static_cast<uint64_t>(end - p) ||
      static_cast<uint64_t>(end - p) - len < 5) {
    return Status::Corruption("chunk ref " + std::to_string(ref) + ": truncated chunk in " +
                              segs_[seq]->path());
  }
  uint32_t want = varint::BE32(p + 1 + len);
  if (crc32c::Value(p, 1 + len) != want) {
    return Status::Corruption("chunk ref " + std::to_string(ref) + ": checksum mismatch in " +
                              segs_[seq]->path());
  }
  *enc = static_cast<chunkenc::Encoding>(static_cast<uint8_t>(p[0]));
  *data = std::string_view(p + 1, len);
  return Status::OK();
}

int64_t SegmentReader::Size() const {
  int64_t n = 0;
  for (const auto& s : segs_) n += static_cast<int64_t>(s->size());
  return n;
}

}  // namespace ward::tsdb::chunks
