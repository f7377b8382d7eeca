#include "plan.hpp"

#include <algorithm>
#include <cstdint>
#include <deque>
#include <queue>
#include <unordered_map>

#include "../oci/config.hpp"
#include "../oci/mount.hpp"
#include "size.hpp"

namespace agenthook {

using oci::Json;

Json PlannedTmpfs::to_mount() const {
    Json options = Json::array({"nosuid"});
    if (exec) {
        options.push_back("nodev");
        options.push_back("exec");
    } else {
        options.push_back("noexec");
        options.push_back("nodev");
    }
    options.push_back("mode=1777");
    options.push_back("size=" + format_size(size_bytes));
    if (nr_inodes != 0) options.push_back("nr_inodes=" + std::to_string(nr_inodes));
    return Json{{"destination", destination}, {"type", "tmpfs"}, {"source", "tmpfs"}, {"options", options}};
}

namespace {

// Annotation first (when allowed), then AGENT_TMP_SIZE, then the policy.
uint64_t choose_tmp_size(const Json& config, const Policy& policy, const Overrides& overrides,
                         Warnings& warnings) {
    if (policy.allow_overrides) {
        if (auto a = oci::annotation(config, kTmpSizeAnnotation))
            if (auto bytes = checked_size(*a, std::string("annotation ") + kTmpSizeAnnotation,
                                          policy.tmp_max_size, warnings))
                return *bytes;
    }
    if (overrides.env_tmp_size)
        if (auto bytes = checked_size(*overrides.env_tmp_size, "environment AGENT_TMP_SIZE",
                                      policy.tmp_max_size, warnings))
            return *bytes;
    return policy.tmp_size;
}

// The policy's exclude.paths (the operator's choice), then the annotation's
// paths (when allowed): those come from whoever creates the container, so
// each is bounded by validate_annotation_exclude or ignored with a warning.
std::vector<std::string> choose_excludes(const Json& config, const Policy& policy, Warnings& warnings) {
    std::vector<std::string> paths = policy.exclude_paths;
    if (!policy.allow_overrides) return paths;
    auto list = oci::annotation(config, kExcludeAnnotation);
    if (!list) return paths;
    std::size_t pos = 0;
    while (pos <= list->size()) {
        std::size_t comma = list->find(',', pos);
        if (comma == std::string::npos) comma = list->size();
        std::string entry = list->substr(pos, comma - pos);
        pos = comma + 1;
        if (entry.empty()) continue;
        std::string why;
        auto path = validate_annotation_exclude(entry, policy, why);
        if (!path) {
            warnings.push_back(std::string("annotation ") + kExcludeAnnotation + ": \"" + entry + "\" " + why + ", ignored");
            continue;
        }
        if (std::find(paths.begin(), paths.end(), *path) == paths.end()) paths.push_back(*path);
    }
    return paths;
}

}  // namespace

Plan make_plan(const Json& config, const Policy& policy, const Overrides& overrides) {
    Plan plan;
    plan.tmp = {"/tmp", choose_tmp_size(config, policy, overrides, plan.warnings), false, policy.tmp_nr_inodes};
    for (const auto& path : choose_excludes(config, policy, plan.warnings))
        plan.excludes.push_back({path, policy.exclude_size, true, 0});
    plan.home = {policy.home_path, policy.home_uid, policy.home_gid, policy.home_mode};

    if (auto limit = oci::memory_limit(config)) {
        uint64_t total = plan.tmp.size_bytes;
        for (const auto& e : plan.excludes) total += e.size_bytes;
        if (total > *limit)
            plan.warnings.push_back("tmpfs sizes (" + format_size(total) +
                                    " in all) exceed linux.resources.memory.limit (" +
                                    format_size(*limit) +
                                    "): tmpfs pages are charged to the container's memory cgroup");
    }
    return plan;
}

std::vector<std::size_t> parent_first_order(const std::vector<std::string>& destinations) {
    const std::size_t n = destinations.size();
    std::unordered_map<std::string_view, std::vector<std::size_t>> at_path;
    at_path.reserve(n);
    for (std::size_t i = 0; i < n; ++i) at_path[destinations[i]].push_back(i);

    // Edges run from each mount at an ancestor path to the mount below it.
    // Only real ancestors are looked up, so the edge count is bounded by
    // n times the path depth, not n squared.
    std::vector<std::vector<std::size_t>> children(n);
    std::vector<std::size_t> pending(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
        std::string_view path = destinations[i];
        for (std::size_t cut = path.rfind('/'); cut != std::string_view::npos && path != "/";
             cut = path.rfind('/', cut - 1)) {
            std::string_view ancestor = cut == 0 ? std::string_view("/") : path.substr(0, cut);
            if (auto it = at_path.find(ancestor); it != at_path.end())
                for (std::size_t parent : it->second) {
                    children[parent].push_back(i);
                    ++pending[i];
                }
            if (cut == 0) break;
        }
    }

    // Kahn's algorithm, always taking the lowest original index that is
    // ready: an order that already satisfies the rule comes out unchanged.
    std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
    for (std::size_t i = 0; i < n; ++i)
        if (pending[i] == 0) ready.push(i);
    std::vector<std::size_t> order;
    order.reserve(n);
    while (!ready.empty()) {
        std::size_t i = ready.top();
        ready.pop();
        order.push_back(i);
        for (std::size_t c : children[i])
            if (--pending[c] == 0) ready.push(c);
    }
    return order;  // ancestor relations have no cycles, so every index is here
}

Json apply_to_spec(Json config, const Plan& plan, bool* changed) {
    std::vector<const PlannedTmpfs*> planned{&plan.tmp};
    for (const auto& e : plan.excludes) planned.push_back(&e);
    bool differs = false;

    // Mounts are moved, not copied, and each destination is normalized once:
    // a config.json may hold thousands of mounts.
    std::vector<Json> mounts;
    std::vector<std::string> destinations;
    std::vector<bool> placed(planned.size(), false);
    auto keep = [&](Json m, std::string dest) {
        mounts.push_back(std::move(m));
        destinations.push_back(std::move(dest));
    };
    if (auto it = config.find("mounts"); it != config.end()) {
        mounts.reserve(it->size() + planned.size());
        destinations.reserve(it->size() + planned.size());
        for (Json& m : *it) {
            std::string dest = oci::normalize_destination(m.at("destination").get_ref<const std::string&>());
            auto hit = std::find_if(planned.begin(), planned.end(),
                                    [&](const PlannedTmpfs* p) { return p->destination == dest; });
            if (hit == planned.end()) {
                keep(std::move(m), std::move(dest));
                continue;
            }
            std::size_t k = static_cast<std::size_t>(hit - planned.begin());
            Json replacement = (*hit)->to_mount();
            differs = differs || placed[k] || m != replacement;
            if (!placed[k]) keep(std::move(replacement), std::move(dest));
            placed[k] = true;
        }
    } else {
        differs = true;
    }
    for (std::size_t k = 0; k < planned.size(); ++k)
        if (!placed[k]) {
            keep(planned[k]->to_mount(), planned[k]->destination);
            differs = true;
        }

    Json ordered = Json::array();
    auto order = parent_first_order(destinations);
    for (std::size_t pos = 0; pos < order.size(); ++pos) {
        differs = differs || order[pos] != pos;
        ordered.push_back(std::move(mounts[order[pos]]));
    }
    oci::member(config, "mounts") = std::move(ordered);
    if (changed) *changed = differs;
    return config;
}

namespace {

std::string describe(const Json& m) {
    std::string s = m.value("destination", "?") + " (" + m.value("type", "no type");
    if (auto o = m.find("options"); o != m.end() && o->is_array() && !o->empty()) {
        s += ": ";
        for (std::size_t i = 0; i < o->size(); ++i) {
            if (i) s += ',';
            s += (*o)[i].is_string() ? (*o)[i].get<std::string>() : (*o)[i].dump();
        }
    }
    return s + ")";
}

// Indices of `sequence` outside one longest strictly increasing
// subsequence (patience sorting, n log n): the fewest entries whose moves
// explain the new order.
std::vector<std::size_t> moved_entries(const std::vector<std::size_t>& sequence) {
    std::vector<std::size_t> tails;         // index of the last entry of the best run of each length
    std::vector<std::size_t> previous(sequence.size(), SIZE_MAX);
    for (std::size_t i = 0; i < sequence.size(); ++i) {
        auto at = std::lower_bound(tails.begin(), tails.end(), sequence[i],
                                   [&](std::size_t t, std::size_t value) { return sequence[t] < value; });
        if (at != tails.begin()) previous[i] = *(at - 1);
        if (at == tails.end()) tails.push_back(i);
        else *at = i;
    }
    std::vector<bool> in_order(sequence.size(), false);
    for (std::size_t i = tails.empty() ? SIZE_MAX : tails.back(); i != SIZE_MAX; i = previous[i]) in_order[i] = true;
    std::vector<std::size_t> moved;
    for (std::size_t i = 0; i < sequence.size(); ++i)
        if (!in_order[i]) moved.push_back(i);
    return moved;
}

}  // namespace

std::vector<std::string> describe_mount_changes(const Json& before, const Json& after) {
    // Mounts are compared by their serialization and counted, so the diff
    // stays linear for configs with thousands of mounts.
    using Keyed = std::vector<std::pair<std::string, const Json*>>;
    auto keyed = [](const Json& doc) {
        Keyed v;
        if (auto it = doc.find("mounts"); it != doc.end() && it->is_array())
            for (const Json& m : *it) v.emplace_back(m.dump(), &m);
        return v;
    };
    const Keyed old_mounts = keyed(before), new_mounts = keyed(after);
    std::unordered_map<std::string_view, long> surplus;  // > 0: more copies in the new list
    for (const auto& [key, m] : old_mounts) --surplus[key];
    for (const auto& [key, m] : new_mounts) ++surplus[key];

    // Walks one list: the first `excess` copies of a mount are reported with
    // `sign`, the rest are kept, in order, for the move check.
    std::vector<std::string> lines;
    auto split = [&](const Keyed& list, long sign, const char* verb) {
        std::vector<const std::pair<std::string, const Json*>*> kept;
        auto excess = surplus;
        for (const auto& entry : list) {
            long& left = excess[entry.first];
            if (left * sign > 0) {
                lines.push_back(verb + describe(*entry.second));
                left -= sign;
            } else {
                kept.push_back(&entry);
            }
        }
        return kept;
    };
    auto kept_old = split(old_mounts, -1, "- remove ");
    auto kept_new = split(new_mounts, +1, "+ add ");

    // Kept mounts are the same multiset on both sides. Each new-side mount
    // gets its old position; the longest increasing run of those positions
    // stayed in order, every other kept mount was moved.
    std::unordered_map<std::string_view, std::deque<std::size_t>> old_positions;
    for (std::size_t i = 0; i < kept_old.size(); ++i) old_positions[kept_old[i]->first].push_back(i);
    std::vector<std::size_t> was_at(kept_new.size());
    for (std::size_t i = 0; i < kept_new.size(); ++i) {
        auto& queue = old_positions[kept_new[i]->first];
        was_at[i] = queue.front();
        queue.pop_front();
    }
    for (std::size_t i : moved_entries(was_at))
        lines.push_back("~ move " + describe(*kept_new[i]->second) + " to position " + std::to_string(i + 1) +
                        " of the kept mounts");
    return lines;
}

}  // namespace agenthook
