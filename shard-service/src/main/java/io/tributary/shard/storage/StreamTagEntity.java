package io.tributary.shard.storage;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

import java.io.Serializable;
import java.util.Objects;

/** A row of {@code stream_tags}. Never leaves the storage and service layers. */
@Entity
@Table(name = "stream_tags")
@IdClass(StreamTagEntity.Key.class)
public class StreamTagEntity {

    @Id
    @Column(name = "stream_id")
    public Long streamId;

    @Id
    @Column(name = "tag_key")
    public String tagKey;

    @Column(name = "tag_value", nullable = false)
    public String tagValue;

    /** The primary key: stream and tag key. */
    public static class Key implements Serializable {
        public Long streamId;
        public String tagKey;

        public Key() {
        }

        public Key(Long streamId, String tagKey) {
            this.streamId = streamId;
            this.tagKey = tagKey;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(k.streamId, streamId) && Objects.equals(k.tagKey, tagKey);
        }

        @Override
        public int hashCode() {
            return Objects.hash(streamId, tagKey);
        }
    }
}
