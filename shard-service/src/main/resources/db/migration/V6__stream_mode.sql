-- Capacity mode of a stream (PROVISIONED or ON_DEMAND), as Kinesis reports it in StreamModeDetails.
ALTER TABLE streams ADD COLUMN stream_mode varchar(16) NOT NULL DEFAULT 'PROVISIONED';
