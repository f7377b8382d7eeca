// The syscall layer of the records (hook/records.hpp): the state
// directory, /proc/<pid>/stat, the record files.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <memory>

#include "../oci/json_io.hpp"
#include "error.hpp"
#include "fd.hpp"
#include "records.hpp"

namespace agenthook {

namespace {

constexpr const char* kSuffix = ".json";

// Why the state directory `st` describes must not be trusted, or "".
// Whoever can write there could plant records that send sweep and doctor
// into another process's /tmp, or hide a container from them.
std::string state_dir_problem(const struct stat& st) {
    if (S_ISLNK(st.st_mode)) return "is a symlink (a state dir must be a real directory)";
    if (!S_ISDIR(st.st_mode)) return "is not a directory";
    if (st.st_uid != 0) return "is owned by uid " + std::to_string(st.st_uid) + ", not by root";
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        char octal[8];
        std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        return std::string("mode ") + octal + " is writable by others than root";
    }
    return "";
}

// lstat + state_dir_problem; false when the directory does not exist.
bool check_state_dir(const std::string& state_dir, const std::string& step) {
    struct stat st {};
    if (::lstat(state_dir.c_str(), &st) != 0) {
        if (errno == ENOENT) return false;
        throw sys_error(step, state_dir, errno);
    }
    std::string why = state_dir_problem(st);
    if (!why.empty()) throw HookError(step, state_dir, "state dir " + why);
    return true;
}

// The record at `path`, parsed; throws HookError naming it.
Record read_record_file(const std::string& path) {
    return record_from_json(oci::parse_object(oci::read_file_bounded(path, kMaxRecordBytes), path), path);
}

bool ends_with(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

void prepare_state_dir(const std::string& state_dir) {
    if (check_state_dir(state_dir, "prepare state dir")) return;
    if (::mkdir(state_dir.c_str(), 0700) != 0 && errno != EEXIST) throw sys_error("create state dir", state_dir, errno);
    // Again: whatever won a race to the name must pass the same checks.
    check_state_dir(state_dir, "prepare state dir");
}

std::optional<uint64_t> pid_start_time(int pid) {
    if (pid <= 0) return std::nullopt;
    const std::string path = "/proc/" + std::to_string(pid) + "/stat";
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return std::nullopt;
    std::string text;
    if (read_fully(fd.get(), text, 4096) != 0) return std::nullopt;
    return parse_stat_start_time(text);
}

void write_record(const std::string& state_dir, const Record& r) {
    const std::string path = record_path(state_dir, r.id, "write record");
    prepare_state_dir(state_dir);
    // A record describes a running container: after a crash it is stale
    // whatever it holds (sweep removes it), so no fsync on the start path.
    oci::write_or_create_file_atomic(path, oci::dump(record_to_json(r)), 0600, oci::Durability::UntilReboot);
}

bool remove_record(const std::string& state_dir, const std::string& id, const std::string& bundle, const Log& log) {
    const std::string path = record_path(state_dir, id, "remove record");
    if (!check_state_dir(state_dir, "remove record")) return false;
    try {
        Record r = read_record_file(path);
        if (r.bundle != bundle) {
            log.warn(path + ": the record is for bundle " + r.bundle + ", not " + bundle + " (a new container with the same id?): kept");
            return true;
        }
    } catch (const HookError& e) {
        if (e.err == ENOENT) return false;
        // Not a record we can read: it is still this id's, and stale now.
    }
    if (::unlink(path.c_str()) != 0) {
        if (errno == ENOENT) return false;
        throw sys_error("remove record", path, errno);
    }
    return true;
}

std::vector<Record> live_records(const std::string& state_dir, const Log& log) {
    std::vector<Record> out;
    if (!check_state_dir(state_dir, "list records")) return out;
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(state_dir.c_str()), ::closedir);
    if (!dir) throw sys_error("list records", state_dir, errno);
    std::vector<std::string> names;
    errno = 0;
    while (const struct dirent* e = ::readdir(dir.get())) {
        std::string name = e->d_name;
        // Hidden names are json_io's temporary files.
        if (name.empty() || name[0] == '.' || !ends_with(name, kSuffix)) continue;
        names.push_back(name);
    }
    if (errno != 0) throw sys_error("list records", state_dir, errno);
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
        const std::string path = state_dir + "/" + name;
        Record r;
        try {
            r = read_record_file(path);
        } catch (const HookError& e) {
            if (e.err != ENOENT) log.warn(e.line() + " (skipped)");
            continue;
        }
        if (r.id + kSuffix != name) {
            log.warn(path + ": the record is for container " + r.id + " (skipped)");
            continue;
        }
        if (!record_is_live(r, pid_start_time(r.pid))) {
            if (::unlink(path.c_str()) != 0 && errno != ENOENT)
                log.warn(sys_error("prune record", path, errno).line());
            else
                log.info("pruned " + path + ": process " + std::to_string(r.pid) + " is gone");
            continue;
        }
        out.push_back(std::move(r));
    }
    return out;
}

std::optional<Record> read_record(const std::string& state_dir, const std::string& id) {
    const std::string path = record_path(state_dir, id, "read record");
    if (!check_state_dir(state_dir, "read record")) return std::nullopt;
    Record r;
    try {
        r = read_record_file(path);
    } catch (const HookError& e) {
        if (e.err == ENOENT) return std::nullopt;
        throw;
    }
    if (r.id != id) throw HookError("read record", path, "the record is for container " + r.id);
    return r;
}

std::optional<Record> find_record(const std::string& state_dir, const std::string& id) {
    std::optional<Record> r = read_record(state_dir, id);
    if (!r)
        throw HookError("find record", record_path(state_dir, id, "find record"),
                        "no record of container " + id + " (is it running, with the hook?)", ENOENT);
    if (!record_is_live(*r, pid_start_time(r->pid))) {
        // pruned; a failure leaves it for the next reader
        ::unlink(record_path(state_dir, id, "find record").c_str());
        return std::nullopt;
    }
    return r;
}

}  // namespace agenthook
