// PURE part of the records: no syscalls here (see records_store.cpp).
#include "records.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "error.hpp"
#include "plan.hpp"
#include "size.hpp"

namespace agenthook {

using oci::Json;

std::optional<std::string> container_id_problem(const std::string& id) {
    if (id.empty()) return "is empty";
    if (id.size() > kMaxContainerIdBytes)
        return "is " + std::to_string(id.size()) + " bytes, more than " + std::to_string(kMaxContainerIdBytes);
    auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
    if (!alnum(id[0])) return "must begin with a letter or digit";
    for (char c : id)
        if (!alnum(c) && c != '_' && c != '.' && c != '-') return "may hold only letters, digits, '_', '.' and '-'";
    return std::nullopt;
}

std::string record_path(const std::string& state_dir, const std::string& id, const std::string& step) {
    if (auto why = container_id_problem(id))
        throw HookError(step, state_dir, "container id \"" + id.substr(0, 80) + (id.size() > 80 ? "..." : "") + "\" " + *why);
    return state_dir + "/" + id + ".json";
}

Record make_record(const std::string& id, int pid, const std::string& bundle, const std::string& rootfs,
                   const Plan& plan, const std::string& policy_source, std::time_t now, uint64_t pid_start_time,
                   std::optional<uint32_t> host_uid) {
    Record r;
    r.id = id;
    r.pid = pid;
    r.bundle = bundle;
    r.rootfs = rootfs;
    std::vector<const PlannedTmpfs*> planned{&plan.tmp};
    for (const auto& e : plan.excludes) planned.push_back(&e);
    for (const PlannedTmpfs* t : planned) {
        Json m = t->to_mount();
        r.mounts.push_back({t->destination, m.at("type").get<std::string>(),
                            m.at("options").get<std::vector<std::string>>(), t->size_bytes});
    }
    if (!plan.home.path.empty()) r.home = RecordHome{plan.home.path, plan.home.uid, plan.home.gid};
    r.policy = policy_source;
    r.time = rfc3339_utc(now);
    r.pid_start_time = pid_start_time;
    r.host_uid = host_uid;
    return r;
}

Json record_to_json(const Record& r) {
    Json mounts = Json::array();
    for (const auto& m : r.mounts)
        mounts.push_back({{"destination", m.destination}, {"type", m.type}, {"options", m.options}, {"size_bytes", m.size_bytes}});
    Json home = r.home ? Json{{"path", r.home->path}, {"uid", r.home->uid}, {"gid", r.home->gid}} : Json(nullptr);
    Json doc{{"version", r.version}, {"id", r.id},         {"pid", r.pid},       {"bundle", r.bundle},
             {"rootfs", r.rootfs},   {"mounts", mounts},   {"home", home},       {"policy", r.policy},
             {"time", r.time},       {"pid_start_time", r.pid_start_time}};
    if (r.host_uid) doc["host_uid"] = *r.host_uid;
    return doc;
}

namespace {

// Field access that names the file and the field in every error.
struct Fields {
    const Json& obj;
    const std::string& name;
    std::string prefix;

    HookError bad(const std::string& key, const std::string& reason) const {
        return HookError("read record", name + ": " + prefix + key, reason);
    }
    const Json& get(const std::string& key, bool (Json::*is)() const noexcept, const char* type) const {
        auto it = obj.find(key);
        if (it == obj.end()) throw bad(key, "missing");
        if (!((*it).*is)()) throw bad(key, std::string("expected ") + type + ", got " + it->type_name());
        return *it;
    }
    std::string str(const std::string& key) const { return get(key, &Json::is_string, "string").get<std::string>(); }
    uint64_t uint(const std::string& key, uint64_t max) const {
        const Json& v = get(key, &Json::is_number_integer, "integer");
        if (v < 0 || v.get<uint64_t>() > max) throw bad(key, "out of range: " + v.dump());
        return v.get<uint64_t>();
    }
    std::string abs_path(const std::string& key) const {
        std::string p = str(key);
        if (p.empty() || p[0] != '/') throw bad(key, "must be an absolute path, got \"" + p + "\"");
        return p;
    }
};

}  // namespace

Record record_from_json(const Json& doc, const std::string& name) {
    Fields f{doc, name, ""};
    Record r;
    if (f.uint("version", 1u << 30) != static_cast<uint64_t>(kRecordVersion))
        throw f.bad("version", "unsupported record version " + doc.at("version").dump());
    r.id = f.str("id");
    if (auto why = container_id_problem(r.id)) throw f.bad("id", *why);
    r.pid = static_cast<int>(f.uint("pid", 0x3fffffff));
    r.bundle = f.abs_path("bundle");
    r.rootfs = f.abs_path("rootfs");
    const Json& mounts = f.get("mounts", &Json::is_array, "array");
    for (std::size_t i = 0; i < mounts.size(); ++i) {
        const std::string at = "mounts[" + std::to_string(i) + "].";
        if (!mounts[i].is_object()) throw f.bad(at.substr(0, at.size() - 1), "expected object");
        Fields m{mounts[i], name, at};
        RecordMount rm{m.abs_path("destination"), m.str("type"), {}, m.uint("size_bytes", UINT64_MAX)};
        const Json& options = m.get("options", &Json::is_array, "array");
        for (const Json& o : options) {
            if (!o.is_string()) throw m.bad("options", "expected strings");
            rm.options.push_back(o.get<std::string>());
        }
        r.mounts.push_back(std::move(rm));
    }
    auto home = doc.find("home");
    if (home == doc.end()) throw f.bad("home", "missing");
    if (!home->is_null()) {
        if (!home->is_object()) throw f.bad("home", std::string("expected object or null, got ") + home->type_name());
        Fields h{*home, name, "home."};
        r.home = RecordHome{h.abs_path("path"), static_cast<uint32_t>(h.uint("uid", 0xfffffffeu)),
                            static_cast<uint32_t>(h.uint("gid", 0xfffffffeu))};
    }
    r.policy = f.str("policy");
    r.time = f.str("time");
    if (!parse_rfc3339_utc(r.time)) throw f.bad("time", "expected YYYY-MM-DDTHH:MM:SSZ, got \"" + r.time + "\"");
    r.pid_start_time = f.uint("pid_start_time", UINT64_MAX);
    // Added after version 1 records were first written: optional, so that
    // the records of containers started by an older hook still read.
    if (auto it = doc.find("host_uid"); it != doc.end() && !it->is_null())
        r.host_uid = static_cast<uint32_t>(f.uint("host_uid", 0xfffffffeu));
    return r;
}

std::optional<std::time_t> parse_rfc3339_utc(const std::string& text) {
    std::tm tm{};
    char z = 0;
    int consumed = 0;
    if (text.size() != 20 ||
        std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                    &tm.tm_min, &tm.tm_sec, &z, &consumed) != 7 ||
        z != 'Z' || consumed != 20)
        return std::nullopt;
    if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
        tm.tm_sec > 60)
        return std::nullopt;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return timegm(&tm);
}

std::optional<uint64_t> parse_stat_start_time(const std::string& stat_line) {
    auto close = stat_line.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream in(stat_line.substr(close + 1));
    // After the command come field 3 (state) .. field 22 (starttime).
    std::string field;
    for (int i = 3; i <= 22; ++i) {
        if (!(in >> field)) return std::nullopt;
        if (i == 3 && (field == "Z" || field == "X")) return std::nullopt;
    }
    if (field.empty() || field.find_first_not_of("0123456789") != std::string::npos || field.size() > 19)
        return std::nullopt;
    return std::stoull(field);
}

bool record_is_live(const Record& r, const std::optional<uint64_t>& start_time_now) {
    return r.pid > 1 && start_time_now && *start_time_now == r.pid_start_time;
}

std::string format_age(int64_t s) {
    if (s < 0) s = 0;
    if (s < 60) return std::to_string(s) + "s";
    if (s < 3600) return std::to_string(s / 60) + "m";
    if (s < 86400) return std::to_string(s / 3600) + "h" + std::to_string(s % 3600 / 60) + "m";
    return std::to_string(s / 86400) + "d" + std::to_string(s % 86400 / 3600) + "h";
}

namespace {
int64_t age_of(const Record& r, std::time_t now) {
    auto t = parse_rfc3339_utc(r.time);
    return t ? static_cast<int64_t>(now - *t) : 0;
}
std::string tmp_size_of(const Record& r) {
    auto size = recorded_tmp_size(r);
    return size ? format_size(*size) : "-";
}
}  // namespace

std::optional<uint64_t> recorded_tmp_size(const Record& r) {
    for (const auto& m : r.mounts)
        if (m.destination == "/tmp") return m.size_bytes;
    return std::nullopt;
}

std::string format_ps_text(const std::vector<Record>& records, std::time_t now) {
    std::vector<std::vector<std::string>> rows{{"ID", "PID", "BUNDLE", "TMP_SIZE", "AGE"}};
    for (const auto& r : records)
        rows.push_back({r.id, std::to_string(r.pid), r.bundle, tmp_size_of(r), format_age(age_of(r, now))});
    std::vector<std::size_t> width(rows[0].size(), 0);
    for (const auto& row : rows)
        for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
    std::string out;
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
        }
        out += line + "\n";
    }
    return out;
}

Json format_ps_json(const std::vector<Record>& records, std::time_t now) {
    Json out = Json::array();
    for (const auto& r : records) {
        Json j = record_to_json(r);
        j["age_seconds"] = age_of(r, now);
        out.push_back(std::move(j));
    }
    return out;
}

}  // namespace agenthook
