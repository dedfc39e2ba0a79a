package mesh.bridge;

import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.HeartbeatRequest;
import org.apache.kafka.common.requests.HeartbeatResponse;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.LeaveGroupRequest;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.apache.kafka.common.requests.SyncGroupResponse;

import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The group members this bridge has seen alive: a member is counted from a successful JoinGroup,
 * SyncGroup or Heartbeat answer until it leaves (LeaveGroup, or an answer saying it is no longer
 * a member) or stays silent past its session timeout (from its JoinGroup; 45 s, Kafka's default,
 * for a member whose JoinGroup went through another bridge).
 */
final class GroupTracker {
    static final long DEFAULT_SESSION_TIMEOUT_MS = 45_000;

    private record Key(String group, String member) { }

    private static final class Member {
        long sessionTimeoutMs;
        long expiresMs;
    }

    private final Map<Key, Member> members = new ConcurrentHashMap<>();

    void observe(AbstractRequest request, AbstractResponse response, long now) {
        if (request instanceof JoinGroupRequest j && response instanceof JoinGroupResponse r) {
            JoinGroupRequestData d = j.data();
            if (r.error() == Errors.NONE) {
                seen(new Key(d.groupId(), r.data().memberId()), d.sessionTimeoutMs(), now);
            }
        } else if (request instanceof SyncGroupRequest s && response instanceof SyncGroupResponse r) {
            alive(new Key(s.data().groupId(), s.data().memberId()), r.error(), now);
        } else if (request instanceof HeartbeatRequest h && response instanceof HeartbeatResponse r) {
            alive(new Key(h.data().groupId(), h.data().memberId()), r.error(), now);
        } else if (request instanceof LeaveGroupRequest l) {
            String group = l.data().groupId();
            for (LeaveGroupRequestData.MemberIdentity m : l.members()) {
                members.remove(new Key(group, m.memberId()));
            }
        }
    }

    private void alive(Key k, Errors error, long now) {
        switch (error) {
            case NONE, REBALANCE_IN_PROGRESS -> {
                Member m = members.get(k);
                seen(k, m == null ? DEFAULT_SESSION_TIMEOUT_MS : m.sessionTimeoutMs, now);
            }
            case UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID -> members.remove(k);
            default -> { }
        }
    }

    private void seen(Key k, long sessionTimeoutMs, long now) {
        if (k.member() == null || k.member().isEmpty()) {
            return;
        }
        Member m = members.computeIfAbsent(k, x -> new Member());
        m.sessionTimeoutMs = sessionTimeoutMs > 0 ? sessionTimeoutMs : DEFAULT_SESSION_TIMEOUT_MS;
        m.expiresMs = now + m.sessionTimeoutMs;
    }

    /** Drops members silent past their session timeout; returns {groups, members}. */
    long[] counts(long now) {
        Set<String> groups = new HashSet<>();
        long n = 0;
        for (Iterator<Map.Entry<Key, Member>> it = members.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Key, Member> e = it.next();
            if (e.getValue().expiresMs < now) {
                it.remove();
                continue;
            }
            groups.add(e.getKey().group());
            n++;
        }
        return new long[] {groups.size(), n};
    }
}
