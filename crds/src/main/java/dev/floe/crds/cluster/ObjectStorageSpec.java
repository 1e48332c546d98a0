package dev.floe.crds.cluster;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

public class ObjectStorageSpec {
    @Required
    @Pattern("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
    @JsonPropertyDescription("Bucket that receives sealed segments.")
    private String bucket;

    @JsonPropertyDescription("Endpoint of an S3-compatible service (e.g. http://minio:9000); AWS S3 when unset.")
    private String endpoint;

    @Default("us-east-1")
    @JsonPropertyDescription("Region of the bucket.")
    private String region = "us-east-1";

    @Default("true")
    @JsonPropertyDescription("Path-style addressing (bucket in the path), as most S3-compatible services need.")
    private boolean pathStyle = true;

    @JsonPropertyDescription("Secret with keys AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; when unset the brokers "
            + "use the standard AWS credential chain (e.g. IRSA).")
    private String credentialsSecret;

    public String getBucket() {
        return bucket;
    }

    public void setBucket(String bucket) {
        this.bucket = bucket;
    }

    public String getEndpoint() {
        return endpoint;
    }

    public void setEndpoint(String endpoint) {
        this.endpoint = endpoint;
    }

    public String getRegion() {
        return region;
    }

    public void setRegion(String region) {
        this.region = region;
    }

    public boolean isPathStyle() {
        return pathStyle;
    }

    public void setPathStyle(boolean pathStyle) {
        this.pathStyle = pathStyle;
    }

    public String getCredentialsSecret() {
        return credentialsSecret;
    }

    public void setCredentialsSecret(String credentialsSecret) {
        this.credentialsSecret = credentialsSecret;
    }
}
