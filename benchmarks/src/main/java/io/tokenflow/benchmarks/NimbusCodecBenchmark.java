package io.tokenflow.benchmarks;

import com.nimbusds.oauth2.sdk.AccessTokenResponse;
import com.nimbusds.oauth2.sdk.ClientCredentialsGrant;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.util.JSONObjectUtils;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import net.minidev.json.JSONObject;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A breakdown for {@link RefreshRoundTripBenchmark}: the CPU cost of the Nimbus work in one
 * token request, without any I/O. {@code build}: a client_credentials {@code TokenRequest} with
 * {@code client_secret_basic} and a scope, to an {@code HTTPRequest}, its body and headers read
 * (what tokenflow's endpoint client does per attempt). {@code parse}: a token response, as the
 * loopback endpoint sends it, parsed as JSON once and read by Nimbus into an
 * {@code AccessTokenResponse} (as tokenflow's answer parser does: the parsed object also tells a
 * missing {@code expires_in} from a zero one).
 *
 * <p>Run (after {@code ./mvnw -B -Pbenchmarks -pl benchmarks -am package -DskipTests}):
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar NimbusCodecBenchmark -prof gc
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class NimbusCodecBenchmark {

    private final URI endpoint = URI.create("http://127.0.0.1:8080/token");
    private final String body = "{\"access_token\":\"bench-token-1\",\"token_type\":\"Bearer\","
            + "\"expires_in\":3600,\"scope\":\"api.read\"}";

    @Benchmark
    public Object build() {
        HTTPRequest request = new TokenRequest.Builder(endpoint,
                new ClientSecretBasic(new ClientID(LoopbackTokenEndpoint.CLIENT_ID), new Secret(LoopbackTokenEndpoint.CLIENT_SECRET)), new ClientCredentialsGrant())
                .scope(new com.nimbusds.oauth2.sdk.Scope("api.read"))
                .build()
                .toHTTPRequest();
        return request.getBody().length() + request.getHeaderMap().size();
    }

    @Benchmark
    public Object parse() throws ParseException {
        JSONObject json = JSONObjectUtils.parse(body);
        AccessTokenResponse ok = AccessTokenResponse.parse(json);
        return ok.getTokens().getAccessToken().getLifetime() + (json.get("expires_in") == null ? 0 : 1);
    }
}
