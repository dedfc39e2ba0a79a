// SCRAM credentials and complete exchanges written by Kafka's own SCRAM code (kafka-clients:
// ScramFormatter, ScramMessages, ScramSaslClient), printed as an AssemblyScript module for
// tests/unit/auth_scram.spec.ts and auth_plain.spec.ts.
//
// Each exchange runs Kafka's real client state machine: its client-first message, a server-first
// message built with ScramMessages from a fixed salt and server nonce (the Base64 of fixed bytes,
// which the AssemblyScript server must turn into the same message), the client's final message
// with its proof, and the server-final message Kafka's formatter signs, which the client then
// verifies. The client's random nonce is replaced by a fixed one so the output is reproducible.
//
// Usage: java -cp kafka-clients.jar:slf4j-api.jar:. ScramVectors > tests/fixtures/auth/scram_vectors.ts

import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.security.auth.callback.Callback;
import javax.security.auth.callback.CallbackHandler;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.PasswordCallback;
import javax.security.auth.callback.UnsupportedCallbackException;

import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.ScramExtensionsCallback;
import org.apache.kafka.common.security.scram.internals.ScramFormatter;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.apache.kafka.common.security.scram.internals.ScramMessages.ClientFinalMessage;
import org.apache.kafka.common.security.scram.internals.ScramMessages.ClientFirstMessage;
import org.apache.kafka.common.security.scram.internals.ScramMessages.ServerFinalMessage;
import org.apache.kafka.common.security.scram.internals.ScramMessages.ServerFirstMessage;
import org.apache.kafka.common.security.scram.internals.ScramSaslClient;

public class ScramVectors {
    static final Base64.Encoder B64 = Base64.getEncoder();

    /** A formatter whose "random" nonce is fixed. */
    static final class FixedNonceFormatter extends ScramFormatter {
        final String nonce;
        FixedNonceFormatter(ScramMechanism m, String nonce) throws Exception {
            super(m);
            this.nonce = nonce;
        }
        @Override public String secureRandomString() {
            return nonce;
        }
    }

    static final class Handler implements CallbackHandler {
        final String user; final String password; final Map<String, String> extensions;
        Handler(String user, String password, Map<String, String> extensions) {
            this.user = user; this.password = password; this.extensions = extensions;
        }
        @Override public void handle(Callback[] callbacks) throws UnsupportedCallbackException {
            for (Callback c : callbacks) {
                if (c instanceof NameCallback) ((NameCallback) c).setName(user);
                else if (c instanceof PasswordCallback) ((PasswordCallback) c).setPassword(password.toCharArray());
                else if (c instanceof ScramExtensionsCallback) ((ScramExtensionsCallback) c).extensions(extensions);
                else throw new UnsupportedCallbackException(c);
            }
        }
    }

    /** Deterministic bytes (a 32-bit LCG, as tests/fixture-gen/auth/hash_vectors.ts). */
    static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        int x = seed;
        for (int i = 0; i < n; i++) {
            x = x * 1664525 + 1013904223;
            b[i] = (byte) (x >>> 24);
        }
        return b;
    }

    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) sb.append(String.format("%02x", x & 0xff));
        return sb.toString();
    }

    static String q(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') sb.append('\\').append(c);
            else if (c < 0x20 || c > 0x7e) sb.append(String.format("\\u%04x", (int) c));
            else sb.append(c);
        }
        return sb.append('"').toString();
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    static final List<String> CREDENTIALS = new ArrayList<>();
    static final List<String> EXCHANGES = new ArrayList<>();

    static ScramCredential credential(ScramMechanism m, String password, byte[] salt, int iterations) throws Exception {
        ScramFormatter f = new ScramFormatter(m);
        return f.generateCredential(salt, f.saltedPassword(password, salt, iterations), iterations);
    }

    static void addCredential(String description, ScramMechanism m, String user, String password, byte[] salt, int iterations) throws Exception {
        ScramCredential c = credential(m, password, salt, iterations);
        CREDENTIALS.add(String.format("  new CredentialVector(%s, %s, %s, %s, %s, %d, %s, %s),",
            q(description), q(m.mechanismName()), q(user), q(password), q(B64.encodeToString(salt)), iterations,
            q(B64.encodeToString(c.storedKey())), q(B64.encodeToString(c.serverKey()))));
    }

    /** A whole exchange driven by Kafka's ScramSaslClient; returns nothing, records the vector. */
    static void exchange(String description, ScramMechanism m, String user, String password, Map<String, String> extensions,
                         byte[] salt, int iterations, String clientNonce, byte[] serverNonceBytes) throws Exception {
        ScramSaslClient client = new ScramSaslClient(m, new Handler(user, password, extensions));
        Field f = ScramSaslClient.class.getDeclaredField("formatter");
        f.setAccessible(true);
        f.set(client, new FixedNonceFormatter(m, clientNonce));

        byte[] clientFirst = client.evaluateChallenge(new byte[0]);
        ClientFirstMessage cfm = new ClientFirstMessage(clientFirst);
        String serverNonce = B64.encodeToString(serverNonceBytes);
        ServerFirstMessage sfm = new ServerFirstMessage(clientNonce, serverNonce, salt, iterations);
        byte[] clientFinal = client.evaluateChallenge(sfm.toBytes());
        ClientFinalMessage cfin = new ClientFinalMessage(clientFinal);

        ScramFormatter formatter = new ScramFormatter(m);
        ScramCredential c = credential(m, password, salt, iterations);
        // The proof must verify as a broker checks it: H(proof XOR ClientSignature) == StoredKey.
        byte[] clientSignature = formatter.clientSignature(c.storedKey(), cfm, sfm, cfin);
        byte[] computedStored = formatter.hash(ScramFormatter.xor(cfin.proof(), clientSignature));
        if (!java.util.Arrays.equals(computedStored, c.storedKey())) throw new IllegalStateException(description + ": proof does not verify");
        byte[] serverFinal = new ServerFinalMessage(null, formatter.serverSignature(c.serverKey(), cfm, sfm, cfin)).toBytes();
        client.evaluateChallenge(serverFinal);
        if (!client.isComplete()) throw new IllegalStateException(description + ": client did not accept the server signature");

        EXCHANGES.add(String.format("  new ExchangeVector(%s, %s, %s, %s, %s, %d, %s, %s,%n    %s,%n    %s,%n    %s,%n    %s,%n    %s),",
            q(description), q(m.mechanismName()), q(ScramFormatter.username(cfm.saslName())), q(password),
            q(B64.encodeToString(salt)), iterations, q(B64.encodeToString(c.storedKey())), q(B64.encodeToString(c.serverKey())),
            q(utf8(clientFirst)), q(hex(serverNonceBytes)), q(utf8(sfm.toBytes())), q(utf8(clientFinal)), q(utf8(serverFinal))));
    }

    /**
     * An exchange whose client-first message is given (gs2 headers Kafka's client never writes:
     * "y" or an authorization id), computed with Kafka's ScramMessages and ScramFormatter.
     */
    static void handWritten(String description, ScramMechanism m, String clientFirstText, String password,
                            byte[] salt, int iterations, byte[] serverNonceBytes) throws Exception {
        // Kafka's parser knows only the "n" flag; the bare message, all the proof covers of the
        // first message, is the same, and the "y" header is carried by c=.
        boolean yFlag = clientFirstText.startsWith("y,");
        ClientFirstMessage cfm = new ClientFirstMessage(((yFlag ? "n" : "") + clientFirstText.substring(yFlag ? 1 : 0)).getBytes(StandardCharsets.UTF_8));
        // The gs2 header as sent (ClientFirstMessage.gs2Header() leaves out an authzid's "a=").
        String gs2Header = clientFirstText.substring(0, clientFirstText.length() - cfm.clientFirstMessageBare().length());
        ScramFormatter formatter = new ScramFormatter(m);
        String serverNonce = B64.encodeToString(serverNonceBytes);
        ServerFirstMessage sfm = new ServerFirstMessage(cfm.nonce(), serverNonce, salt, iterations);
        ClientFinalMessage cfin = new ClientFinalMessage(gs2Header.getBytes(StandardCharsets.UTF_8), sfm.nonce());
        byte[] salted = formatter.saltedPassword(password, salt, iterations);
        cfin.proof(formatter.clientProof(salted, cfm, sfm, cfin));
        ScramCredential c = credential(m, password, salt, iterations);
        byte[] serverFinal = new ServerFinalMessage(null, formatter.serverSignature(c.serverKey(), cfm, sfm, cfin)).toBytes();
        EXCHANGES.add(String.format("  new ExchangeVector(%s, %s, %s, %s, %s, %d, %s, %s,%n    %s,%n    %s,%n    %s,%n    %s,%n    %s),",
            q(description), q(m.mechanismName()), q(ScramFormatter.username(cfm.saslName())), q(password),
            q(B64.encodeToString(salt)), iterations, q(B64.encodeToString(c.storedKey())), q(B64.encodeToString(c.serverKey())),
            q(clientFirstText), q(hex(serverNonceBytes)), q(utf8(sfm.toBytes())), q(utf8(cfin.toBytes())), q(utf8(serverFinal))));
    }

    public static void main(String[] args) throws Exception {
        ScramMechanism s256 = ScramMechanism.SCRAM_SHA_256;
        ScramMechanism s512 = ScramMechanism.SCRAM_SHA_512;

        // RFC 7677 section 3: user "user", password "pencil"; the salt and count of its example.
        byte[] rfcSalt = Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ==");
        addCredential("RFC 7677 example", s256, "user", "pencil", rfcSalt, 4096);
        addCredential("SHA-256, 32-byte salt", s256, "alice", "alice-secret", bytes(32, 1), 4096);
        addCredential("SHA-512, 32-byte salt", s512, "alice", "alice-secret", bytes(32, 2), 4096);
        addCredential("SHA-256, Kafka-style text salt, 8192 iterations", s256, "bob", "b0b's p\u00e4ss \ud83d\udd11", "2x4k9v1m0q8z7w6r5t4y3u2i1o".getBytes(StandardCharsets.US_ASCII), 8192);
        addCredential("SHA-512, 16384 iterations", s512, "bob", "b0b's p\u00e4ss \ud83d\udd11", bytes(32, 3), 16384);

        Map<String, String> none = new LinkedHashMap<>();
        exchange("SCRAM-SHA-256, alice", s256, "alice", "alice-secret", none, bytes(32, 1), 4096,
            "fyko+d2lbbFgONRv9qkxdawL", bytes(24, 10));
        exchange("SCRAM-SHA-512, alice", s512, "alice", "alice-secret", none, bytes(32, 2), 4096,
            "Dzt0x2sDqE1ho5JH3kCfRamV", bytes(24, 11));
        exchange("SCRAM-SHA-512, bob, UTF-8 password, 8192 iterations", s512, "bob", "b0b's p\u00e4ss \ud83d\udd11", none, bytes(32, 3), 8192,
            "0123456789abcdefghijklmnopqrstuv", bytes(18, 12));
        exchange("SCRAM-SHA-256, a name Kafka escapes (',' and '=')", s256, "al,ice=x", "p", none, bytes(32, 5), 4096,
            "rOprNGfwEbeRWgbNEkqO", bytes(24, 13));
        Map<String, String> ext = new LinkedHashMap<>();
        ext.put("foo", "bar");
        exchange("SCRAM-SHA-256, an extension the server ignores", s256, "alice", "alice-secret", ext, bytes(32, 1), 4096,
            "Ext0nce1234567890abcdefgh", bytes(24, 14));
        handWritten("SCRAM-SHA-256, authorization id equal to the user", s256, "n,a=alice,n=alice,r=authzNonce0123456789", "alice-secret",
            bytes(32, 1), 4096, bytes(24, 15));
        handWritten("SCRAM-SHA-512, gs2 flag y (client supports channel binding, server does not)", s512, "y,,n=alice,r=yFlagNonce0123456789", "alice-secret",
            bytes(32, 2), 4096, bytes(24, 16));
        handWritten("SCRAM-SHA-256, authorization id escaped as the user", s256, "n,a=al=2Cice=3Dx,n=al=2Cice=3Dx,r=escAuthz0123456789", "p",
            bytes(32, 5), 4096, bytes(24, 17));

        // A client asking for delegation-token authentication (tokenauth=true): only its first message matters.
        ScramSaslClient tokenClient = new ScramSaslClient(s256, new Handler("tokenid", "hmac", Map.of("tokenauth", "true")));
        Field f = ScramSaslClient.class.getDeclaredField("formatter");
        f.setAccessible(true);
        f.set(tokenClient, new FixedNonceFormatter(s256, "tokenNonce0123456789"));
        String tokenFirst = utf8(tokenClient.evaluateChallenge(new byte[0]));

        StringBuilder out = new StringBuilder();
        out.append("// Generated by tests/fixture-gen/auth/generate.sh with Kafka's own SCRAM classes (kafka-clients ")
           .append(org.apache.kafka.common.utils.AppInfoParser.getVersion()).append("); do not edit.\n");
        out.append("// Source: tests/fixture-gen/auth/ScramVectors.java. Salts and keys in Base64, as in the configuration.\n\n");
        out.append("export class CredentialVector {\n  constructor(\n    public description: string,\n    public mechanism: string,\n"
            + "    public user: string,\n    public password: string,\n    public salt: string,\n    public iterations: i32,\n"
            + "    public storedKey: string,\n    public serverKey: string,\n  ) {}\n}\n\n");
        out.append("export class ExchangeVector {\n  constructor(\n    public description: string,\n    public mechanism: string,\n"
            + "    /** The user name, unescaped. */\n    public user: string,\n    public password: string,\n    public salt: string,\n"
            + "    public iterations: i32,\n    public storedKey: string,\n    public serverKey: string,\n    public clientFirst: string,\n"
            + "    /** Hex of the random bytes whose Base64 is the server's part of the nonce. */\n    public serverNonceRandom: string,\n"
            + "    public serverFirst: string,\n    public clientFinal: string,\n    public serverFinal: string,\n  ) {}\n}\n\n");
        out.append("/** Credentials from ScramFormatter.generateCredential(salt, saltedPassword(password, salt, i), i). */\n");
        out.append("export const CREDENTIAL_VECTORS: CredentialVector[] = [\n");
        for (String s : CREDENTIALS) out.append(s).append('\n');
        out.append("];\n\n");
        out.append("/** Complete exchanges, each verified end to end by Kafka's client or formatter. */\n");
        out.append("export const EXCHANGE_VECTORS: ExchangeVector[] = [\n");
        for (String s : EXCHANGES) out.append(s).append('\n');
        out.append("];\n\n");
        out.append("/** The client-first message of Kafka's client asked for delegation-token authentication. */\n");
        out.append("export const TOKENAUTH_CLIENT_FIRST = ").append(q(tokenFirst)).append(";\n");
        System.out.print(out);
    }
}
