// WorkerPool: a fixed set of threads running queued closures in FIFO order.
// The scrape side uses one for everything that is not socket I/O: building
// requests, parsing bodies and appending samples, so the HTTP event loop
// never blocks on CPU work. Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ward::scrape {

class WorkerPool {
 public:
  // Starts `threads` workers (at least one).
  explicit WorkerPool(size_t threads);
  ~WorkerPool();  // Calls Stop().

  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `fn`. Returns false (and drops `fn`) once Stop() has begun.
  bool Post(std::function<void()> fn);

  // Runs every closure already queued, then joins the workers; Post fails
  // from now on. Idempotent. REQUIRES: not called from a worker.
  void Stop();

  size_t size() const { return threads_.size(); }

 private:
  void Run();

  std::vector<std::thread> threads_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
};

}  // namespace ward::scrape
