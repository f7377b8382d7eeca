#pragma once
// A record of what hook mode enforced, one per container:
// <state_dir>/<id>.json, written at createRuntime/prestart, removed by the
// poststop stage, pruned by every reader once its process is gone. The
// first part is PURE (build, parse, check, format); live_records,
// find_record, read_record and the write/remove functions are the thin syscall layer
// (hook/records_store.cpp).
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "../oci/json.hpp"
#include "log.hpp"

namespace agenthook {

struct Plan;

struct RecordMount {
    std::string destination;
    std::string type;                  // "tmpfs"
    std::vector<std::string> options;  // as config.json records them
    uint64_t size_bytes = 0;
};

struct RecordHome {
    std::string path;
    uint32_t uid = 0, gid = 0;  // container ids
};

struct Record {
    int version = 1;
    std::string id;
    int pid = 0;                    // host pid of the container process
    std::string bundle;
    std::string rootfs;             // absolute host path
    std::vector<RecordMount> mounts;
    std::optional<RecordHome> home;
    std::string policy;             // the policy file, or "built-in defaults"
    std::string time;               // RFC 3339, UTC, when it was written
    uint64_t pid_start_time = 0;    // field 22 of /proc/<pid>/stat then: tells pid reuse apart
    // process.user.uid as the host sees it (mapped through the container's
    // uid_map): whose entries the poststop teardown removes. Absent in
    // records written before it was recorded, or when it could not be read.
    std::optional<uint32_t> host_uid;
};

inline constexpr int kRecordVersion = 1;
// OCI ids (runc's validation): at most this long.
inline constexpr std::size_t kMaxContainerIdBytes = 1024;
// A record is a few hundred bytes; a bigger file is not one of ours.
inline constexpr std::size_t kMaxRecordBytes = std::size_t{64} << 10;

// PURE: why `id` cannot name a record ([A-Za-z0-9][A-Za-z0-9_.-]*, at most
// kMaxContainerIdBytes: never "..", never a slash), or nullopt.
std::optional<std::string> container_id_problem(const std::string& id);

// PURE: <state_dir>/<id>.json; throws HookError (step `step`) for a bad id.
std::string record_path(const std::string& state_dir, const std::string& id, const std::string& step);

// PURE: the record of what `plan` enforced in container `id`.
Record make_record(const std::string& id, int pid, const std::string& bundle, const std::string& rootfs,
                   const Plan& plan, const std::string& policy_source, std::time_t now, uint64_t pid_start_time,
                   std::optional<uint32_t> host_uid);

// PURE: the record as JSON, and back; record_from_json throws HookError
// naming `name` and the field for anything that is not a version 1 record.
// "host_uid" is written only when known, and may be missing or null.
oci::Json record_to_json(const Record& r);
Record record_from_json(const oci::Json& doc, const std::string& name);

// PURE: reads back exactly the form rfc3339_utc (log.hpp) writes without
// milliseconds, "2026-11-30T14:38:00Z": a record's time.
std::optional<std::time_t> parse_rfc3339_utc(const std::string& text);

// PURE: field 22 (starttime) of a /proc/<pid>/stat line, read after the
// last ')' so that a command name with spaces or parentheses cannot shift
// it. nullopt for a zombie (state Z or X): the process is gone, only its
// exit status waits for a parent that may never reap it.
std::optional<uint64_t> parse_stat_start_time(const std::string& stat_line);

// PURE: whether the record's process is still the one recorded: its
// /proc/<pid>/stat start time now (nullopt: no such process) is the recorded one.
bool record_is_live(const Record& r, const std::optional<uint64_t>& start_time_now);

// PURE: the size of the /tmp tmpfs the record says was applied, if it has one.
std::optional<uint64_t> recorded_tmp_size(const Record& r);

// PURE: `ps` output. Text: a header, then one line per record (id, pid,
// bundle, /tmp size, age), columns aligned. JSON: an array of the records
// as stored, each with "age_seconds".
std::string format_ps_text(const std::vector<Record>& records, std::time_t now);
oci::Json format_ps_json(const std::vector<Record>& records, std::time_t now);
// PURE: "45s", "12m", "3h4m", "2d5h".
std::string format_age(int64_t seconds);

// ---- the syscall layer (hook/records_store.cpp) -----------------------------

// Makes sure `state_dir` can hold records: created (mode 0700) when
// missing, its parent must exist; refused with one line naming it when it
// is a symlink, not a directory, not owned by root, or group/world-writable.
void prepare_state_dir(const std::string& state_dir);

// Field 22 of /proc/<pid>/stat now; nullopt when there is no such process.
std::optional<uint64_t> pid_start_time(int pid);

// Writes the record atomically (oci/json_io.hpp: never partial), mode 0600.
void write_record(const std::string& state_dir, const Record& r);

// Removes <state_dir>/<id>.json. Returns false when there was none; a
// record for another bundle (a new container with the same id) is kept
// and reported. Throws HookError for a bad id or a failed unlink.
bool remove_record(const std::string& state_dir, const std::string& id, const std::string& bundle,
                   const Log& log);

// Every record in `state_dir` whose process is still running. Records
// whose process is gone are removed (pruned); a file that is not a
// record is skipped with a warning. A missing state dir holds no records;
// one that is a symlink or not root's throws HookError.
std::vector<Record> live_records(const std::string& state_dir, const Log& log);

// The live record of container `id`; nullopt when there was one but its
// process is gone (it is pruned). Throws HookError with one line when
// there is no record (or the id is invalid, or the file is not a record).
std::optional<Record> find_record(const std::string& state_dir, const std::string& id);

// The record of container `id` as stored, whether its process runs or not
// (poststop: it never does), never pruned; nullopt when there is none (no
// state dir, no file). Throws HookError for an invalid id, a state dir
// that fails prepare_state_dir's checks, or a file that is not `id`'s record.
std::optional<Record> read_record(const std::string& state_dir, const std::string& id);

}  // namespace agenthook
