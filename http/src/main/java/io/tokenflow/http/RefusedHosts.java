package io.tokenflow.http;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * Tells the operator, once per host, that a request went out without the token because its host
 * is not on the allow-list: otherwise the only sign is the resource server's bare 401. Which host,
 * which hosts are allowed, and, for a loopback name, that {@code localhost} and {@code 127.0.0.1}
 * are different hosts to the list. At most {@value #REMEMBERED} hosts are told (a client calling
 * ever new hosts cannot grow it without bound). Thread-safe.
 */
final class RefusedHosts {

    /** Hosts told about at most, per adapter. */
    static final int REMEMBERED = 256;
    /** The SLF4J key-value naming the token service ({@code TokenService[<client id> @ <token endpoint>]}). */
    static final String SERVICE_KEY = "token_service";

    private final Logger log;
    private final Object owner;
    private final String service;
    private final HostAllowList hosts;
    private final Set<String> told = ConcurrentHashMap.newKeySet();

    /**
     * @param owner the adapter, named in the line by its {@code toString()}
     * @param service the adapter's token service, named in the line as the key-value {@value #SERVICE_KEY}
     */
    RefusedHosts(Logger log, Object owner, Object service, HostAllowList hosts) {
        this.log = log;
        this.owner = owner;
        this.service = String.valueOf(service);
        this.hosts = hosts;
    }

    /** A request to {@code host} goes out without the token; WARN the first time for that host. */
    void refused(@Nullable String host) {
        String key = host == null || host.isEmpty() ? "" : HostAllowList.normalize(host);
        if (told.size() >= REMEMBERED || !told.add(key)) {
            return;
        }
        log.atWarn().addKeyValue(SERVICE_KEY, service)
                .log("{}: a request to {} is sent without the token: {} is not on the allow-list ({}){}", owner,
                        key.isEmpty() ? "a URL without a host" : host, key.isEmpty() ? "it" : key, hosts, loopbackNote(key));
    }

    /** For a loopback name: the list matches names exactly, and the loopback host has several. */
    private static String loopbackNote(String host) {
        boolean loopback = host.equals("localhost") || host.endsWith(".localhost") || host.startsWith("127.") || host.equals("::1");
        return !loopback ? ""
                : ". localhost, 127.0.0.1 and ::1 are different hosts to the allow-list: name the one the request URL uses";
    }
}
