-- The host application's own first migration, run by its own (Spring Boot's) Flyway.
CREATE TABLE HOST_CUSTOMER (ID INTEGER PRIMARY KEY, NAME VARCHAR(100));
