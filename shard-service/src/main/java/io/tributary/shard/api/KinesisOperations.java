package io.tributary.shard.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Uni;
import io.tributary.aws.AwsException;
import io.tributary.aws.AwsRequest;
import io.tributary.aws.AwsResponses;
import io.tributary.aws.KinesisConsumerAddress;
import io.tributary.aws.KinesisStreamAddress;
import io.tributary.shard.LogRecord;
import io.tributary.shard.Position;
import io.tributary.shard.ReadResult;
import io.tributary.shard.SequenceNumbers;
import io.tributary.shard.ShardIds;
import io.tributary.shard.ShardInfo;
import io.tributary.shard.StreamInfo;
import io.tributary.shard.config.ShardServiceConfig;
import io.tributary.shard.HashKeys;
import io.tributary.shard.StreamMode;
import io.tributary.shard.service.ReadService;
import io.tributary.shard.service.ReshardService;
import io.tributary.shard.service.StreamConsumerService;
import io.tributary.shard.service.StreamAdminService;
import io.tributary.shard.service.StreamSettingsService;
import jakarta.enterprise.context.ApplicationScoped;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;


/**
 * The Kinesis Data Streams operations served by shard-service (everything but PutRecord and PutRecords,
 * which ingest-service serves). Each takes the caller's tenant (set by the gateway after authentication)
 * and a request document, and answers a response document or fails with an {@link AwsException}.
 */
@ApplicationScoped
public class KinesisOperations {

    /** Largest GetRecords answer in bytes of record data, as Kinesis. */
    static final int GET_RECORDS_MAX_BYTES = 10 * 1024 * 1024;
    private static final String STREAM_MODE_PROVISIONED = "PROVISIONED";
    private static final int ON_DEMAND_INITIAL_SHARDS = 4;

    private final StreamAdminService admin;
    private final StreamSettingsService settings;
    private final ReadService reads;
    private final ShardIterators iterators;
    private final ShardServiceConfig config;
    private final ReshardService resharding;
    private final StreamConsumerService consumers;

    public KinesisOperations(StreamAdminService admin, StreamSettingsService settings, ReadService reads,
                             ShardIterators iterators, ShardServiceConfig config, ReshardService resharding,
                             StreamConsumerService consumers) {
        this.consumers = consumers;
        this.resharding = resharding;
        this.admin = admin;
        this.settings = settings;
        this.reads = reads;
        this.iterators = iterators;
        this.config = config;
    }

    /** Runs one operation by its name (the part of {@code X-Amz-Target} after the dot). */
    public Uni<ObjectNode> invoke(String operation, String tenantId, AwsRequest request) {
        try {
            return switch (operation) {
                case "CreateStream" -> createStream(tenantId, request);
                case "DeleteStream" -> deleteStream(tenantId, request);
                case "DescribeStream" -> describeStream(tenantId, request);
                case "DescribeStreamSummary" -> describeStreamSummary(tenantId, request);
                case "ListStreams" -> listStreams(tenantId, request);
                case "ListShards" -> listShards(tenantId, request);
                case "GetShardIterator" -> getShardIterator(tenantId, request);
                case "GetRecords" -> getRecords(tenantId, request);
                case "IncreaseStreamRetentionPeriod" -> changeRetention(tenantId, request, true);
                case "DecreaseStreamRetentionPeriod" -> changeRetention(tenantId, request, false);
                case "AddTagsToStream" -> addTags(KinesisStreamAddress.of(tenantId, request), tagMap(request.stringMap("Tags"), "tags"));
                case "TagResource" -> addTags(KinesisStreamAddress.ofArn(tenantId, request.requiredString("ResourceARN"), "resourceARN"),
                        tagMap(request.stringMap("Tags"), "tags"));
                case "RemoveTagsFromStream" -> removeTags(KinesisStreamAddress.of(tenantId, request), request.strings("TagKeys"));
                case "UntagResource" -> removeTags(KinesisStreamAddress.ofArn(tenantId, request.requiredString("ResourceARN"), "resourceARN"),
                        request.strings("TagKeys"));
                case "ListTagsForStream" -> listTagsForStream(tenantId, request);
                case "ListTagsForResource" -> listTagsForResource(tenantId, request);
                case "DescribeLimits" -> describeLimits(tenantId);
                case "SplitShard" -> splitShard(tenantId, request);
                case "MergeShards" -> mergeShards(tenantId, request);
                case "UpdateShardCount" -> updateShardCount(tenantId, request);
                case "UpdateStreamMode" -> updateStreamMode(tenantId, request);
                case "StartStreamEncryption" -> changeEncryption(tenantId, request, true);
                case "RegisterStreamConsumer" -> registerConsumer(tenantId, request);
                case "DescribeStreamConsumer" -> describeConsumer(tenantId, request);
                case "ListStreamConsumers" -> listConsumers(tenantId, request);
                case "DeregisterStreamConsumer" -> deregisterConsumer(tenantId, request);
                case "StopStreamEncryption" -> changeEncryption(tenantId, request, false);
                case "PutRecord", "PutRecords" -> Uni.createFrom().failure(AwsException.invalidArgument(
                        operation + " is served by ingest-service; send it through the gateway"));
                case "SubscribeToShard" -> Uni.createFrom().failure(AwsException.invalidArgument(
                        "SubscribeToShard answers an event stream; it is served before this resource"));
                case "EnableEnhancedMonitoring",
                     "DisableEnhancedMonitoring", "DescribeAccountSettings", "UpdateAccountSettings", "GetResourcePolicy", "PutResourcePolicy",
                     "DeleteResourcePolicy", "UpdateMaxRecordSize", "UpdateStreamWarmThroughput" ->
                        Uni.createFrom().failure(new AwsException("UnsupportedOperationException", 400,
                                operation + " is not supported by Tributary yet."));
                default -> Uni.createFrom().failure(AwsException.unknownOperation(
                        "Kinesis_20131202." + operation + " is not an operation of Kinesis Data Streams."));
            };
        } catch (RuntimeException e) {
            return Uni.createFrom().failure(e);
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Streams
    // ------------------------------------------------------------------------------------------------

    private Uni<ObjectNode> createStream(String tenantId, AwsRequest request) {
        String name = request.requiredString("StreamName");
        KinesisStreamAddress.checkName(name, "streamName");
        AwsRequest mode = request.structure("StreamModeDetails");
        String streamMode = mode == null ? STREAM_MODE_PROVISIONED : mode.requiredString("StreamMode");
        if (!streamMode.equals(STREAM_MODE_PROVISIONED) && !streamMode.equals("ON_DEMAND")) {
            throw AwsException.validation("1 validation error detected: Value '" + streamMode
                    + "' at 'streamModeDetails.streamMode' failed to satisfy constraint: Member must satisfy enum value set: [ON_DEMAND, PROVISIONED]");
        }
        Integer shardCount = request.integer("ShardCount");
        if (shardCount == null) {
            if (streamMode.equals(STREAM_MODE_PROVISIONED)) {
                throw AwsException.invalidArgument("ShardCount is required for a stream in PROVISIONED mode.");
            }
            shardCount = ON_DEMAND_INITIAL_SHARDS;
        }
        if (shardCount < 1) {
            throw AwsException.validation("1 validation error detected: Value '" + shardCount
                    + "' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1");
        }
        Map<String, String> tags = request.has("Tags") ? tagMap(request.stringMap("Tags"), "tags") : Map.of();
        Uni<StreamInfo> created = admin.create(tenantId, name, shardCount, 0, 0, StreamMode.valueOf(streamMode));
        return (tags.isEmpty() ? created.replaceWithVoid() : created.chain(s -> settings.addTags(tenantId, name, tags)))
                .map(v -> AwsResponses.object());
    }

    private Uni<ObjectNode> deleteStream(String tenantId, AwsRequest request) {
        KinesisStreamAddress stream = KinesisStreamAddress.of(tenantId, request);
        return admin.delete(stream.tenantId(), stream.name()).map(v -> AwsResponses.object());
    }

    private Uni<ObjectNode> describeStream(String tenantId, AwsRequest request) {
        KinesisStreamAddress address = KinesisStreamAddress.of(tenantId, request);
        int limit = range(request.integer("Limit"), 100, 1, 10_000, "limit");
        String exclusiveStart = request.string("ExclusiveStartShardId");
        return admin.describe(address.tenantId(), address.name()).map(stream -> {
            List<ShardInfo> shards = orderedShards(stream);
            int from = 0;
            if (exclusiveStart != null) {
                int startIndex = ShardIds.parse(exclusiveStart);
                while (from < shards.size() && shards.get(from).index() <= startIndex) {
                    from++;
                }
            }
            int to = Math.min(shards.size(), from + limit);
            ObjectNode description = summary(stream);
            description.remove("OpenShardCount");
            description.remove("ConsumerCount");
            ArrayNode list = description.putArray("Shards");
            for (ShardInfo shard : shards.subList(from, to)) {
                list.add(shard(shard));
            }
            description.put("HasMoreShards", to < shards.size());
            ObjectNode out = AwsResponses.object();
            out.set("StreamDescription", description);
            return out;
        });
    }

    private Uni<ObjectNode> describeStreamSummary(String tenantId, AwsRequest request) {
        KinesisStreamAddress address = KinesisStreamAddress.of(tenantId, request);
        return admin.describe(address.tenantId(), address.name()).chain(stream -> consumers.count(address.tenantId(), address.name())
                .map(count -> {
                    ObjectNode summary = summary(stream);
                    summary.put("ConsumerCount", count.intValue());
                    ObjectNode out = AwsResponses.object();
                    out.set("StreamDescriptionSummary", summary);
                    return out;
                }));
    }

    private Uni<ObjectNode> listStreams(String tenantId, AwsRequest request) {
        int limit = range(request.integer("Limit"), 100, 1, 10_000, "limit");
        String exclusiveStart = request.string("ExclusiveStartStreamName");
        String nextToken = request.string("NextToken");
        if (nextToken != null) {
            exclusiveStart = Tokens.decode(nextToken, "ListStreams");
        }
        return admin.list(tenantId, exclusiveStart, limit).map(page -> {
            ObjectNode out = AwsResponses.object();
            ArrayNode names = out.putArray("StreamNames");
            ArrayNode summaries = out.putArray("StreamSummaries");
            for (StreamInfo s : page.streams()) {
                names.add(s.name());
                ObjectNode summary = summaries.addObject();
                summary.put("StreamName", s.name());
                summary.put("StreamARN", s.arn(config.region()));
                summary.put("StreamStatus", s.status().name());
                summary.putObject("StreamModeDetails").put("StreamMode", s.mode().name());
                summary.set("StreamCreationTimestamp", AwsResponses.timestamp(s.createdAtMillis()));
            }
            out.put("HasMoreStreams", page.hasMore());
            if (page.hasMore() && !page.streams().isEmpty()) {
                out.put("NextToken", Tokens.encode("ListStreams", page.streams().get(page.streams().size() - 1).name()));
            }
            return out;
        });
    }

    private Uni<ObjectNode> listShards(String tenantId, AwsRequest request) {
        String nextToken = request.string("NextToken");
        int maxResults = range(request.integer("MaxResults"), 1000, 1, 10_000, "maxResults");
        KinesisStreamAddress address;
        String exclusiveStart;
        if (nextToken != null) {
            if (request.has("StreamName") || request.has("StreamARN") || request.has("ExclusiveStartShardId")
                    || request.has("ShardFilter") || request.has("StreamCreationTimestamp")) {
                throw AwsException.invalidArgument("NextToken and StreamName/StreamARN, ExclusiveStartShardId, "
                        + "ShardFilter or StreamCreationTimestamp cannot be provided together.");
            }
            String[] parts = Tokens.decode(nextToken, "ListShards").split("/", 2);
            if (parts.length != 2) {
                throw AwsException.invalidArgument("Invalid NextToken.");
            }
            address = new KinesisStreamAddress(tenantId, parts[0]);
            exclusiveStart = parts[1];
        } else {
            address = KinesisStreamAddress.of(tenantId, request);
            exclusiveStart = request.string("ExclusiveStartShardId");
        }
        AwsRequest filter = request.structure("ShardFilter");
        String filterType = filter == null ? null : filter.requiredString("Type");
        if (filterType != null) {
            switch (filterType) {
                case "AFTER_SHARD_ID" -> {
                    String after = filter.string("ShardId");
                    if (after == null) {
                        throw AwsException.invalidArgument("ShardFilter of type AFTER_SHARD_ID needs a ShardId.");
                    }
                    exclusiveStart = after;
                }
                case "AT_TIMESTAMP", "FROM_TIMESTAMP" -> {
                    if (filter.timestampMillis("Timestamp") == null) {
                        throw AwsException.invalidArgument("ShardFilter of type " + filterType + " needs a Timestamp.");
                    }
                }
                case "AT_TRIM_HORIZON", "FROM_TRIM_HORIZON", "AT_LATEST" -> {
                }
                default -> throw AwsException.validation("1 validation error detected: Value '" + filterType
                        + "' at 'shardFilter.type' failed to satisfy constraint: Member must satisfy enum value set: "
                        + "[AFTER_SHARD_ID, AT_TRIM_HORIZON, FROM_TRIM_HORIZON, AT_LATEST, AT_TIMESTAMP, FROM_TIMESTAMP]");
            }
        }
        String start = exclusiveStart;
        String type = filterType;
        Long at = filter == null ? null : filter.timestampMillis("Timestamp");
        return admin.describe(address.tenantId(), address.name()).map(stream -> {
            List<ShardInfo> shards = new ArrayList<>();
            int startIndex = start == null ? -1 : ShardIds.parse(start);
            for (ShardInfo s : orderedShards(stream)) {
                if (s.index() > startIndex && matches(type, at, s, stream)) {
                    shards.add(s);
                }
            }
            ObjectNode out = AwsResponses.object();
            ArrayNode list = out.putArray("Shards");
            int to = Math.min(shards.size(), maxResults);
            for (ShardInfo s : shards.subList(0, to)) {
                list.add(shard(s));
            }
            if (to < shards.size()) {
                out.put("NextToken", Tokens.encode("ListShards", stream.name() + "/" + shards.get(to - 1).shardId()));
            }
            return out;
        });
    }

    /** Whether a shard passes a ListShards ShardFilter (AFTER_SHARD_ID is applied as the start). */
    private static boolean matches(String filterType, Long at, ShardInfo s, StreamInfo stream) {
        if (filterType == null) {
            return true;
        }
        return switch (filterType) {
            // The oldest shards still listed: those whose parents are gone (or that never had any).
            case "AT_TRIM_HORIZON" -> (s.parentIndex() < 0 || stream.shard(ShardIds.format(s.parentIndex())) == null)
                    && (s.adjacentParentIndex() < 0 || stream.shard(ShardIds.format(s.adjacentParentIndex())) == null);
            case "AT_LATEST" -> s.isOpen();
            // Open at the time: created at or before it, and still open or closed at or after it.
            case "AT_TIMESTAMP" -> s.createdAtMillis() <= at && (s.isOpen() || s.closedAtMillis() >= at);
            // Open at the time or later: every open shard, and closed ones that closed at or after it.
            case "FROM_TIMESTAMP" -> s.isOpen() || s.closedAtMillis() >= at;
            default -> true;
        };
    }

    private Uni<ObjectNode> changeRetention(String tenantId, AwsRequest request, boolean increase) {
        KinesisStreamAddress address = KinesisStreamAddress.of(tenantId, request);
        Integer hours = request.integer("RetentionPeriodHours");
        if (hours == null) {
            throw AwsException.validation("1 validation error detected: Value null at 'retentionPeriodHours' failed to satisfy constraint: Member must not be null");
        }
        return settings.changeRetention(address.tenantId(), address.name(), hours, increase).map(v -> AwsResponses.object());
    }

    // ------------------------------------------------------------------------------------------------
    // Resharding and capacity mode
    // ------------------------------------------------------------------------------------------------

    private Uni<ObjectNode> splitShard(String tenantId, AwsRequest request) {
        KinesisStreamAddress address = KinesisStreamAddress.of(tenantId, request);
        String shardId = shardIdMember(request, "ShardToSplit", "shardToSplit");
        String key = request.requiredString("NewStartingHashKey");
        if (!key.matches("0|([1-9]\\d{0,38})")) {
            throw AwsException.validation("1 validation error detected: Value '" + key
                    + "' at 'newStartingHashKey' failed to satisfy constraint: Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})");
        }
        java.math.BigInteger hashKey = HashKeys.parseExplicit(key);
        if (hashKey == null) {
            throw AwsException.invalidArgument("NewStartingHashKey " + key + " is outside the hash key space 0 .. 2^128-1.");
        }
        return resharding.split(address.tenantId(), address.name(), shardId, hashKey).map(v -> AwsResponses.object());
    }

    private Uni<ObjectNode> mergeShards(String tenantId, AwsRequest request) {
        KinesisStreamAddress address = KinesisStreamAddress.of(tenantId, request);
        String shardId = shardIdMember(request, "ShardToMerge", "shardToMerge");
        String adjacent = shardIdMember(request, "AdjacentShardToMerge", "adjacentShardToMerge");
        return resharding.merge(address.tenantId(), address.name(), shardId, adjacent).map(v -> AwsResponses.object());
    }

    private Uni<ObjectNode> updateShardCount(String tenantId, AwsRequest request) {
        KinesisStreamAddress address = KinesisStreamAddress.of(tenantId, request);
        Integer target = request.integer("TargetShardCount");
        if (target == null) {
            throw AwsException.validation("1 validation error detected: Value null at 'targetShardCount' failed to satisfy constraint: Member must not be null");
        }
        if (target < 1) {
            throw AwsException.validation("1 validation error detected: Value '" + target
                    + "' at 'targetShardCount' failed to satisfy constraint: Member must have value greater than or equal to 1");
        }
        String scaling = request.requiredString("ScalingType");
        if (!scaling.equals("UNIFORM_SCALING")) {
            throw AwsException.validation("1 validation error detected: Value '" + scaling
                    + "' at 'scalingType' failed to satisfy constraint: Member must satisfy enum value set: [UNIFORM_SCALING]");
        }
        return resharding.updateShardCount(address.tenantId(), address.name(), target).map(change -> {
            ObjectNode out = AwsResponses.object();
            out.put("StreamName", change.stream().name());
            out.put("CurrentShardCount", change.previousCount());
            out.put("TargetShardCount", change.targetCount());
            out.put("StreamARN", change.stream().arn(config.region()));
            return out;
        });
    }

    private Uni<ObjectNode> updateStreamMode(String tenantId, AwsRequest request) {
        KinesisStreamAddress address = KinesisStreamAddress.ofArn(tenantId, request.requiredString("StreamARN"), "streamARN");
        AwsRequest details = request.structure("StreamModeDetails");
        if (details == null) {
            throw AwsException.validation("1 validation error detected: Value null at 'streamModeDetails' failed to satisfy constraint: Member must not be null");
        }
        String mode = details.requiredString("StreamMode");
        if (!mode.equals(STREAM_MODE_PROVISIONED) && !mode.equals("ON_DEMAND")) {
            throw AwsException.validation("1 validation error detected: Value '" + mode
                    + "' at 'streamModeDetails.streamMode' failed to satisfy constraint: Member must satisfy enum value set: [ON_DEMAND, PROVISIONED]");
        }
        return settings.changeMode(address.tenantId(), address.name(), StreamMode.valueOf(mode)).map(v -> AwsResponses.object());
    }

    private Uni<ObjectNode> changeEncryption(String tenantId, AwsRequest request, boolean start) {
        KinesisStreamAddress address = KinesisStreamAddress.of(tenantId, request);
        String type = request.requiredString("EncryptionType");
        if (!type.equals("KMS") && !type.equals("NONE")) {
            throw AwsException.validation("1 validation error detected: Value '" + type
                    + "' at 'encryptionType' failed to satisfy constraint: Member must satisfy enum value set: [KMS, NONE]");
        }
        if (!type.equals("KMS")) {
            throw AwsException.invalidArgument("EncryptionType must be KMS.");
        }
        String keyId = request.requiredString("KeyId");
        if (keyId.isEmpty() || keyId.length() > 2048) {
            throw AwsException.validation("1 validation error detected: Value at 'keyId' failed to satisfy constraint: Member must have length between 1 and 2048");
        }
        return (start ? settings.startEncryption(address.tenantId(), address.name(), keyId)
                : settings.stopEncryption(address.tenantId(), address.name())).map(v -> AwsResponses.object());
    }

    // ------------------------------------------------------------------------------------------------
    // Enhanced fan-out consumers
    // ------------------------------------------------------------------------------------------------

    /** A consumer as a request names it: by ConsumerARN, or by StreamARN and ConsumerName (no creation time). */
    private static KinesisConsumerAddress consumerAddress(String tenantId, AwsRequest request) {
        String arn = request.string("ConsumerARN");
        if (arn != null) {
            return KinesisConsumerAddress.ofArn(tenantId, arn);
        }
        String streamArn = request.string("StreamARN");
        String name = request.string("ConsumerName");
        if (streamArn == null || name == null) {
            throw AwsException.invalidArgument("Either ConsumerARN, or StreamARN and ConsumerName, must be provided.");
        }
        return new KinesisConsumerAddress(KinesisStreamAddress.ofArn(tenantId, streamArn, "streamARN"), name, -1);
    }

    private String consumerArn(String tenantId, StreamConsumerService.StreamConsumer c) {
        return "arn:aws:kinesis:" + config.region() + ":" + tenantId + ":stream/" + c.streamName() + "/consumer/"
                + c.name() + ":" + c.createdAtMillis() / 1000;
    }

    private ObjectNode consumer(String tenantId, StreamConsumerService.StreamConsumer c) {
        ObjectNode out = AwsResponses.object();
        out.put("ConsumerName", c.name());
        out.put("ConsumerARN", consumerArn(tenantId, c));
        out.put("ConsumerStatus", "ACTIVE");
        out.set("ConsumerCreationTimestamp", AwsResponses.timestamp(c.createdAtMillis()));
        return out;
    }

    private Uni<ObjectNode> registerConsumer(String tenantId, AwsRequest request) {
        KinesisStreamAddress stream = KinesisStreamAddress.ofArn(tenantId, request.requiredString("StreamARN"), "streamARN");
        String name = request.requiredString("ConsumerName");
        return consumers.register(stream.tenantId(), stream.name(), name).map(c -> {
            ObjectNode out = AwsResponses.object();
            out.set("Consumer", consumer(tenantId, c));
            return out;
        });
    }

    private Uni<ObjectNode> describeConsumer(String tenantId, AwsRequest request) {
        KinesisConsumerAddress a = consumerAddress(tenantId, request);
        return consumers.describe(tenantId, a.stream().name(), a.name(), a.createdAtSeconds()).map(c -> {
            ObjectNode d = consumer(tenantId, c);
            d.put("StreamARN", "arn:aws:kinesis:" + config.region() + ":" + tenantId + ":stream/" + c.streamName());
            ObjectNode out = AwsResponses.object();
            out.set("ConsumerDescription", d);
            return out;
        });
    }

    private Uni<ObjectNode> listConsumers(String tenantId, AwsRequest request) {
        String nextToken = request.string("NextToken");
        int max = range(request.integer("MaxResults"), 100, 1, 10_000, "maxResults");
        KinesisStreamAddress stream = KinesisStreamAddress.ofArn(tenantId, request.requiredString("StreamARN"), "streamARN");
        String after = nextToken == null ? null : Tokens.decode(nextToken, "ListStreamConsumers");
        return consumers.list(tenantId, stream.name()).map(all -> {
            ObjectNode out = AwsResponses.object();
            ArrayNode list = out.putArray("Consumers");
            int added = 0;
            String last = null;
            boolean more = false;
            for (StreamConsumerService.StreamConsumer c : all) {
                if (after != null && c.name().compareTo(after) <= 0) {
                    continue;
                }
                if (added == max) {
                    more = true;
                    break;
                }
                list.add(consumer(tenantId, c));
                last = c.name();
                added++;
            }
            if (more) {
                out.put("NextToken", Tokens.encode("ListStreamConsumers", last));
            }
            return out;
        });
    }

    private Uni<ObjectNode> deregisterConsumer(String tenantId, AwsRequest request) {
        KinesisConsumerAddress a = consumerAddress(tenantId, request);
        return consumers.deregister(tenantId, a.stream().name(), a.name(), a.createdAtSeconds()).map(v -> AwsResponses.object());
    }

    private static String shardIdMember(AwsRequest request, String field, String member) {
        String id = request.requiredString(field);
        if (id.isEmpty() || id.length() > 128 || !id.matches("[a-zA-Z0-9_.-]+")) {
            throw AwsException.validation("1 validation error detected: Value '" + id + "' at '" + member
                    + "' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
        }
        return id;
    }

    // ------------------------------------------------------------------------------------------------
    // Tags and limits
    // ------------------------------------------------------------------------------------------------

    private Uni<ObjectNode> addTags(KinesisStreamAddress stream, Map<String, String> tags) {
        if (tags.isEmpty()) {
            throw AwsException.validation("1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length greater than or equal to 1");
        }
        return settings.addTags(stream.tenantId(), stream.name(), tags).map(v -> AwsResponses.object());
    }

    private Uni<ObjectNode> removeTags(KinesisStreamAddress stream, List<String> keys) {
        if (keys == null || keys.isEmpty() || keys.size() > StreamSettingsService.MAX_TAGS_PER_STREAM) {
            throw AwsException.validation("1 validation error detected: Value at 'tagKeys' failed to satisfy constraint: Member must have length between 1 and "
                    + StreamSettingsService.MAX_TAGS_PER_STREAM);
        }
        for (String key : keys) {
            checkTagKey(key, "tagKeys");
        }
        return settings.removeTags(stream.tenantId(), stream.name(), keys).map(v -> AwsResponses.object());
    }

    private Uni<ObjectNode> listTagsForStream(String tenantId, AwsRequest request) {
        KinesisStreamAddress stream = KinesisStreamAddress.of(tenantId, request);
        int limit = range(request.integer("Limit"), StreamSettingsService.MAX_TAGS_PER_STREAM, 1,
                StreamSettingsService.MAX_TAGS_PER_STREAM, "limit");
        String exclusiveStart = request.string("ExclusiveStartTagKey");
        return settings.tags(stream.tenantId(), stream.name()).map(tags -> {
            ObjectNode out = AwsResponses.object();
            ArrayNode list = out.putArray("Tags");
            int added = 0;
            boolean more = false;
            for (Map.Entry<String, String> e : tags.entrySet()) {
                if (exclusiveStart != null && e.getKey().compareTo(exclusiveStart) <= 0) {
                    continue;
                }
                if (added == limit) {
                    more = true;
                    break;
                }
                list.addObject().put("Key", e.getKey()).put("Value", e.getValue());
                added++;
            }
            out.put("HasMoreTags", more);
            return out;
        });
    }

    private Uni<ObjectNode> listTagsForResource(String tenantId, AwsRequest request) {
        KinesisStreamAddress stream = KinesisStreamAddress.ofArn(tenantId, request.requiredString("ResourceARN"), "resourceARN");
        return settings.tags(stream.tenantId(), stream.name()).map(tags -> {
            ObjectNode out = AwsResponses.object();
            ArrayNode list = out.putArray("Tags");
            tags.forEach((k, v) -> list.addObject().put("Key", k).put("Value", v));
            return out;
        });
    }

    private Uni<ObjectNode> describeLimits(String tenantId) {
        return settings.openShardCount(tenantId).map(open -> {
            ObjectNode out = AwsResponses.object();
            out.put("ShardLimit", config.streams().maxOpenShardsPerAccount());
            out.put("OpenShardCount", open.intValue());
            out.put("OnDemandStreamCount", 0);
            out.put("OnDemandStreamCountLimit", 50);
            return out;
        });
    }

    /** Checks tags as Kinesis does: keys of 1–128 characters not starting with {@code aws:}, values of 0–256. */
    private static Map<String, String> tagMap(Map<String, String> tags, String member) {
        if (tags == null) {
            throw AwsException.validation("1 validation error detected: Value null at '" + member
                    + "' failed to satisfy constraint: Member must not be null");
        }
        if (tags.size() > StreamSettingsService.MAX_TAGS_PER_STREAM) {
            throw AwsException.validation("1 validation error detected: Value at '" + member
                    + "' failed to satisfy constraint: Member must have length less than or equal to "
                    + StreamSettingsService.MAX_TAGS_PER_STREAM);
        }
        for (Map.Entry<String, String> e : tags.entrySet()) {
            checkTagKey(e.getKey(), member);
            if (e.getValue().length() > 256) {
                throw AwsException.validation("1 validation error detected: Value '" + e.getValue() + "' at '" + member
                        + "' failed to satisfy constraint: Member must have length less than or equal to 256");
            }
        }
        return tags;
    }

    private static void checkTagKey(String key, String member) {
        if (key.isEmpty() || key.length() > 128) {
            throw AwsException.validation("1 validation error detected: Value '" + key + "' at '" + member
                    + "' failed to satisfy constraint: Member must have length between 1 and 128");
        }
        if (key.startsWith("aws:")) {
            throw AwsException.invalidArgument("Tag keys starting with 'aws:' are reserved: " + key);
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Reading
    // ------------------------------------------------------------------------------------------------

    private Uni<ObjectNode> getShardIterator(String tenantId, AwsRequest request) {
        KinesisStreamAddress address = KinesisStreamAddress.of(tenantId, request);
        String shardId = request.requiredString("ShardId");
        String type = request.requiredString("ShardIteratorType");
        String sequenceNumber = request.string("StartingSequenceNumber");
        Long timestamp = request.timestampMillis("Timestamp");
        Position position = switch (type) {
            case "TRIM_HORIZON" -> Position.trimHorizon();
            case "LATEST" -> Position.latest();
            case "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER" -> {
                if (sequenceNumber == null) {
                    throw AwsException.invalidArgument("StartingSequenceNumber is required for ShardIteratorType " + type + ".");
                }
                if (!sequenceNumber.matches("0|([1-9]\\d{0,128})")) {
                    throw AwsException.validation("1 validation error detected: Value '" + sequenceNumber
                            + "' at 'startingSequenceNumber' failed to satisfy constraint: Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})");
                }
                yield new Position(type.equals("AT_SEQUENCE_NUMBER") ? Position.Type.AT_SEQUENCE_NUMBER
                        : Position.Type.AFTER_SEQUENCE_NUMBER, sequenceNumber, 0);
            }
            case "AT_TIMESTAMP" -> {
                if (timestamp == null) {
                    throw AwsException.invalidArgument("Timestamp is required for ShardIteratorType AT_TIMESTAMP.");
                }
                yield new Position(Position.Type.AT_TIMESTAMP, null, timestamp);
            }
            default -> throw AwsException.validation("1 validation error detected: Value '" + type
                    + "' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: "
                    + "[AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, AT_TIMESTAMP]");
        };
        return reads.resolve(address.tenantId(), address.name(), shardId, position)
                .chain(resolved -> position.type() == Position.Type.TRIM_HORIZON
                        ? iterators.issue(ShardIterators.Kind.TRIM_HORIZON, 0, resolved.shard().index(), tenantId, address.name())
                        : iterators.issue(ShardIterators.Kind.POSITION, resolved.position(), resolved.shard().index(),
                                tenantId, address.name()))
                .map(iterator -> {
                    ObjectNode out = AwsResponses.object();
                    out.put("ShardIterator", iterator);
                    return out;
                });
    }

    private Uni<ObjectNode> getRecords(String tenantId, AwsRequest request) {
        String iterator = request.requiredString("ShardIterator");
        int limit = range(request.integer("Limit"), 10_000, 1, 10_000, "limit");
        return iterators.verify(iterator).chain(it -> {
            if (!it.tenantId().equals(tenantId)) {
                throw AwsException.invalidArgument("Invalid ShardIterator: it was issued to another account.");
            }
            String shardId = ShardIds.format(it.shardIndex());
            Uni<ReadResult> read = it.kind() == ShardIterators.Kind.TRIM_HORIZON
                    ? reads.read(tenantId, it.streamName(), shardId, Position.trimHorizon(), limit, GET_RECORDS_MAX_BYTES)
                    : reads.readAt(tenantId, it.streamName(), shardId, it.value(), limit, GET_RECORDS_MAX_BYTES);
            return read.chain(result -> iterators.issue(ShardIterators.Kind.POSITION, result.nextPosition(),
                            it.shardIndex(), tenantId, it.streamName())
                    .map(next -> records(result, next)));
        });
    }

    private static ObjectNode records(ReadResult result, String nextIterator) {
        ObjectNode out = AwsResponses.object();
        ArrayNode records = out.putArray("Records");
        int shardIndex = result.shard().index();
        for (LogRecord r : result.records()) {
            records.add(record(r, shardIndex));
        }
        // A closed shard read to its end has no next iterator; its children are where reading continues.
        if (result.shardEnded()) {
            ArrayNode children = out.putArray("ChildShards");
            for (ShardInfo child : result.childShards()) {
                children.add(childShard(child));
            }
        } else {
            out.put("NextShardIterator", nextIterator);
        }
        out.put("MillisBehindLatest", result.millisBehindLatest());
        return out;
    }

    // ------------------------------------------------------------------------------------------------
    // Documents
    // ------------------------------------------------------------------------------------------------

    private ObjectNode summary(StreamInfo stream) {
        ObjectNode d = AwsResponses.object();
        d.put("StreamName", stream.name());
        d.put("StreamARN", stream.arn(config.region()));
        d.put("StreamStatus", stream.status().name());
        d.putObject("StreamModeDetails").put("StreamMode", stream.mode().name());
        d.put("RetentionPeriodHours", stream.retentionHours());
        d.set("StreamCreationTimestamp", AwsResponses.timestamp(stream.createdAtMillis()));
        d.putArray("EnhancedMonitoring").addObject().putArray("ShardLevelMetrics");
        d.put("EncryptionType", stream.encryptionKeyId() != null ? "KMS" : "NONE");
        if (stream.encryptionKeyId() != null) {
            d.put("KeyId", stream.encryptionKeyId());
        }
        d.put("OpenShardCount", (int) stream.shards().stream().filter(ShardInfo::isOpen).count());
        d.put("ConsumerCount", 0);
        d.put("MaxRecordSizeInKiB", stream.maxRecordSizeBytes() / 1024);
        return d;
    }

    private static ObjectNode shard(ShardInfo s) {
        ObjectNode shard = AwsResponses.object();
        shard.put("ShardId", s.shardId());
        if (s.parentIndex() >= 0) {
            shard.put("ParentShardId", ShardIds.format(s.parentIndex()));
        }
        if (s.adjacentParentIndex() >= 0) {
            shard.put("AdjacentParentShardId", ShardIds.format(s.adjacentParentIndex()));
        }
        ObjectNode range = shard.putObject("HashKeyRange");
        range.put("StartingHashKey", s.hashKeyRange().start().toString());
        range.put("EndingHashKey", s.hashKeyRange().end().toString());
        ObjectNode sequences = shard.putObject("SequenceNumberRange");
        sequences.put("StartingSequenceNumber", SequenceNumbers.format(s.startingPosition(), s.index()));
        if (!s.isOpen()) {
            sequences.put("EndingSequenceNumber", SequenceNumbers.format(s.endingPosition(), s.index()));
        }
        return shard;
    }

    /** A record as GetRecords and SubscribeToShard answer it. */
    static ObjectNode record(LogRecord r, int shardIndex) {
        ObjectNode record = AwsResponses.object();
        record.put("SequenceNumber", SequenceNumbers.format(r.position(), shardIndex));
        record.set("ApproximateArrivalTimestamp", AwsResponses.timestamp(r.arrivalMillis()));
        record.put("Data", r.data().toByteArray());
        record.put("PartitionKey", r.partitionKey().toStringUtf8());
        record.put("EncryptionType", r.encrypted() ? "KMS" : "NONE");
        return record;
    }

    static ObjectNode childShard(ShardInfo s) {
        ObjectNode child = AwsResponses.object();
        child.put("ShardId", s.shardId());
        ArrayNode parents = child.putArray("ParentShards");
        if (s.parentIndex() >= 0) {
            parents.add(ShardIds.format(s.parentIndex()));
        }
        if (s.adjacentParentIndex() >= 0) {
            parents.add(ShardIds.format(s.adjacentParentIndex()));
        }
        ObjectNode range = child.putObject("HashKeyRange");
        range.put("StartingHashKey", s.hashKeyRange().start().toString());
        range.put("EndingHashKey", s.hashKeyRange().end().toString());
        return child;
    }

    private static List<ShardInfo> orderedShards(StreamInfo stream) {
        List<ShardInfo> shards = new ArrayList<>(stream.shards());
        shards.sort(java.util.Comparator.comparingInt(ShardInfo::index));
        return shards;
    }

    private static int range(Integer value, int defaultValue, int min, int max, String member) {
        if (value == null) {
            return defaultValue;
        }
        if (value < min || value > max) {
            throw AwsException.validation("1 validation error detected: Value '" + value + "' at '" + member
                    + "' failed to satisfy constraint: Member must have value " + (value < min
                    ? "greater than or equal to " + min : "less than or equal to " + max));
        }
        return value;
    }

    /** Paging tokens: the operation they belong to and where the next page starts, base64-encoded. */
    static final class Tokens {

        private Tokens() {
        }

        static String encode(String operation, String value) {
            return Base64.getUrlEncoder().withoutPadding()
                    .encodeToString((operation + ":" + value).getBytes(StandardCharsets.UTF_8));
        }

        static String decode(String token, String operation) {
            String text;
            try {
                text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw AwsException.invalidArgument("Invalid NextToken.");
            }
            String prefix = operation + ":";
            if (!text.startsWith(prefix)) {
                throw AwsException.invalidArgument("Invalid NextToken.");
            }
            return text.substring(prefix.length());
        }
    }

}
