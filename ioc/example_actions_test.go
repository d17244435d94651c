package ioc_test

import (
	"context"
	"fmt"
	"log"

	"github.com/falconioc/falcon/ioc"
)

func ExampleActionsService_List() {
	client, srv := catalogExampleClient()
	defer srv.Close()
	actions, _, err := client.Actions.List(context.Background(), nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(actions)
	// Output: [allow detect no_action prevent prevent_no_ui]
}

func ExampleActionsService_All() {
	client, srv := catalogExampleClient()
	defer srv.Close()
	for id, err := range client.Actions.All(context.Background(), &ioc.CatalogOptions{Limit: 2}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(id)
	}
	// Output:
	// allow
	// detect
	// no_action
	// prevent
	// prevent_no_ui
}

func ExampleActionsService_Get() {
	client, srv := catalogExampleClient()
	defer srv.Close()
	actions, _, err := client.Actions.Get(context.Background(), ioc.ActionAllow, ioc.ActionDetect)
	if err != nil {
		log.Fatal(err)
	}
	for _, a := range actions.Found {
		fmt.Println(a.ID, "on md5:", a.PlatformsByType[ioc.TypeMD5], "on ipv4:", a.PlatformsByType[ioc.TypeIPv4], "severities:", a.Severities)
	}
	// Output:
	// allow on md5: [windows mac linux] on ipv4: [] severities: []
	// detect on md5: [windows mac linux] on ipv4: [windows mac linux ios android] severities: [informational low medium high critical]
}
