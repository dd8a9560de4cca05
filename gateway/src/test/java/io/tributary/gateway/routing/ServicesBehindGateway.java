package io.tributary.gateway.routing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.tributary.embeddeddb.PostgresTestResource;
import io.tributary.testsupport.PackagedService;

import java.util.HashMap;
import java.util.Map;

/**
 * shard-service and ingest-service, packaged, each as its own process on a real PostgreSQL; the gateway
 * under test forwards to them. The gateway's bootstrap key is {@code test}/{@code test} of account
 * {@value #ACCOUNT}.
 */
public class ServicesBehindGateway implements QuarkusTestResourceLifecycleManager {

    static final String ACCOUNT = "000000000000";
    static final String API_KEY = "gateway-test-api-key";

    private PackagedService shard;
    private PackagedService ingest;

    @Override
    public Map<String, String> start() {
        Map<String, String> datasource = PostgresTestResource.datasourceConfig();
        int shardGrpc = PackagedService.freePort();
        shard = new PackagedService("shard-service", "shard-service-behind-gateway").with(datasource)
                .with("quarkus.grpc.server.port", shardGrpc).start();
        ingest = new PackagedService("ingest-service", "ingest-service-behind-gateway")
                .with("quarkus.grpc.clients.shard.port", shardGrpc).start();
        Map<String, String> config = new HashMap<>(datasource);
        config.put("tributary.gateway.services.shard-url", shard.baseUrl());
        config.put("tributary.gateway.services.ingest-url", ingest.baseUrl());
        config.put("tributary.gateway.bootstrap.access-key-id", "test");
        config.put("tributary.gateway.bootstrap.secret-access-key", "test");
        config.put("tributary.gateway.bootstrap.account-id", ACCOUNT);
        config.put("tributary.gateway.bootstrap.api-key", API_KEY);
        return config;
    }

    @Override
    public void stop() {
        if (ingest != null) {
            ingest.stop();
        }
        if (shard != null) {
            shard.stop();
        }
    }
}
