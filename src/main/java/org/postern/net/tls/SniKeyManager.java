package org.postern.net.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.StandardConstants;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Chooses the server certificate by the name the client asked for (SNI, RFC 6066 §3), like
 * Postfix's tls_server_sni_maps: exact names first, then a wildcard {@code *.example.org} that
 * matches exactly one label, then the default certificate. Names without SNI get the default.
 */
public final class SniKeyManager extends X509ExtendedKeyManager {

    /** One certificate with its key, under an alias. */
    public record Entry(String alias, X509Certificate[] chain, PrivateKey key) {
    }

    private final Entry defaultEntry;
    private final Map<String, Entry> byName = new LinkedHashMap<>();
    private final Map<String, Entry> byAlias = new LinkedHashMap<>();

    /**
     * @param defaultEntry used when the client sent no SNI or no name matches
     * @param named        host name (lower case; may start with "*.") to certificate
     */
    public SniKeyManager(Entry defaultEntry, Map<String, Entry> named) {
        this.defaultEntry = defaultEntry;
        byAlias.put(defaultEntry.alias(), defaultEntry);
        for (var e : named.entrySet()) {
            byName.put(e.getKey().toLowerCase(Locale.ROOT), e.getValue());
            byAlias.put(e.getValue().alias(), e.getValue());
        }
    }

    /** The entry for a requested host name (null: the default). */
    public Entry select(String serverName) {
        if (serverName == null || serverName.isEmpty()) {
            return defaultEntry;
        }
        String n = serverName.toLowerCase(Locale.ROOT);
        if (n.endsWith(".")) {
            n = n.substring(0, n.length() - 1);
        }
        Entry e = byName.get(n);
        if (e != null) {
            return e;
        }
        int dot = n.indexOf('.');
        if (dot > 0) {
            e = byName.get("*" + n.substring(dot));
            if (e != null) {
                return e;
            }
        }
        return defaultEntry;
    }

    private String choose(String keyType, SSLSession handshake) {
        String requested = null;
        if (handshake instanceof ExtendedSSLSession ex) {
            for (SNIServerName sn : ex.getRequestedServerNames()) {
                if (sn.getType() == StandardConstants.SNI_HOST_NAME) {
                    requested = ((SNIHostName) sn).getAsciiName();
                }
            }
        }
        Entry e = select(requested);
        if (matches(e, keyType)) {
            return e.alias();
        }
        // The chosen certificate cannot serve this key type (e.g. an EC-only client and an RSA
        // certificate): fall back to the default if it can; JSSE tries the next key type otherwise.
        return matches(defaultEntry, keyType) ? defaultEntry.alias() : null;
    }

    private static boolean matches(Entry e, String keyType) {
        String alg = e.key().getAlgorithm();
        // JSSE asks for "RSA" (rsa_pkcs1 and rsa_pss_rsae schemes), "RSASSA-PSS" or "EC".
        return keyType == null || alg.equalsIgnoreCase(keyType);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        if (socket instanceof SSLSocket s) {
            return choose(keyType, s.getHandshakeSession());
        }
        return matches(defaultEntry, keyType) ? defaultEntry.alias() : null;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return choose(keyType, engine == null ? null : engine.getHandshakeSession());
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        List<String> out = new ArrayList<>();
        for (Entry e : byAlias.values()) {
            if (matches(e, keyType)) {
                out.add(e.alias());
            }
        }
        return out.isEmpty() ? null : out.toArray(String[]::new);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        Entry e = byAlias.get(alias);
        return e == null ? null : e.chain().clone();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        Entry e = byAlias.get(alias);
        return e == null ? null : e.key();
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }
}
