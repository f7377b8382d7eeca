#include <doctest/doctest.h>

#include <unistd.h>

#include <memory>
#include <stdexcept>

#include "fake_sys.hpp"
#include "hook/in_container.hpp"
#include "hook/worker_thread.hpp"

using namespace agenthook;

namespace {
constexpr std::chrono::milliseconds kDeadline{10000};
}

TEST_CASE("the worker's action log comes back to the caller") {
    auto log = apply_in_worker(sample_plan(), [] { return std::make_unique<FakeSys>(); }, kDeadline);
    REQUIRE(log.size() == 3);
    CHECK(log[0] == "mounted tmpfs /tmp size=512m noexec");
    CHECK(log[1] == "mounted tmpfs /workspace/node_modules size=1g exec");
    CHECK(log[2] == "home /agent-home owned 1000:1000 mode 0755");
}

TEST_CASE("the worker runs on a thread of its own") {
    const auto caller = std::this_thread::get_id();
    auto worker = run_in_thread<std::thread::id>([] { return std::this_thread::get_id(); }, kDeadline, "s", "/p");
    CHECK(worker != caller);
}

TEST_CASE("the worker's error comes back with its step, path, reason, errno and hint") {
    struct FailingSys : FakeSys {
        Fd open_rootfs(const std::string& path) override {
            throw HookError("open rootfs", path, "No such file or directory", 2, "has the container pivoted?");
        }
    };
    try {
        apply_in_worker(sample_plan(), [] { return std::make_unique<FailingSys>(); }, kDeadline);
        FAIL("expected HookError");
    } catch (const HookError& e) {
        CHECK(e.step == "open rootfs");
        CHECK(e.path == "/b/rootfs");
        CHECK(e.reason == "No such file or directory");
        CHECK(e.err == 2);
        CHECK(e.hint == "has the container pivoted?");
        CHECK(std::string(e.what()) == "open rootfs: /b/rootfs: No such file or directory (has the container pivoted?)");
    }
}

TEST_CASE("a worker that hangs is reported at the deadline") {
    struct HangingSys : FakeSys {
        // Left behind blocked: it ends with the test process.
        void enter_mount_ns() override {
            for (;;) ::pause();
        }
    };
    CHECK_THROWS_WITH_AS(
        apply_in_worker(sample_plan(), [] { return std::make_unique<HangingSys>(); }, std::chrono::milliseconds(200)),
        doctest::Contains("apply in container: /b/rootfs: worker gave no result within 200 ms; it is stopped with the hook"),
        HookError);
}

TEST_CASE("a worker left behind at the deadline still has its plan") {
    // The worker outlives the call: what it reads must be its own copy.
    struct SlowSys : FakeSys {
        void enter_mount_ns() override { ::usleep(300000); }
    };
    {
        auto plan = std::make_unique<LivePlan>(sample_plan());
        CHECK_THROWS_AS(apply_in_worker(*plan, [] { return std::make_unique<SlowSys>(); }, std::chrono::milliseconds(50)),
                        HookError);
        plan.reset();  // freed (and scribbled on, under ASan) while the worker sleeps
    }
    ::usleep(400000);  // the worker finishes on its copy; ASan reports a use after free here otherwise
}

TEST_CASE("any exception in the worker comes back as an error, never as a crash") {
    struct ThrowingSys : FakeSys {
        void enter_mount_ns() override { throw std::bad_alloc(); }
    };
    CHECK_THROWS_WITH_AS(apply_in_worker(sample_plan(), [] { return std::make_unique<ThrowingSys>(); }, kDeadline),
                         doctest::Contains("apply in container: /b/rootfs: std::bad_alloc"), HookError);
    struct OddSys : FakeSys {
        void enter_mount_ns() override { throw 42; }
    };
    CHECK_THROWS_WITH_AS(apply_in_worker(sample_plan(), [] { return std::make_unique<OddSys>(); }, kDeadline),
                         doctest::Contains("unknown exception in the worker"), HookError);
}
