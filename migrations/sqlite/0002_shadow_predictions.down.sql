ALTER TABLE predictions DROP COLUMN shadow;
