-- Tags of streams (Kinesis AddTagsToStream / TagResource): at most 50 per stream, keys unique per stream.
CREATE TABLE stream_tags (
    stream_id  bigint       NOT NULL REFERENCES streams (id) ON DELETE CASCADE,
    tag_key    varchar(128) NOT NULL,
    tag_value  varchar(256) NOT NULL,
    PRIMARY KEY (stream_id, tag_key)
);
